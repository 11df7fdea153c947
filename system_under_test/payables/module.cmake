verdict_sut_module(payables SOURCES payables.cpp invariants.cpp)
