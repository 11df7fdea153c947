verdict_sut_module(funds SOURCES funds.cpp invariants.cpp)
