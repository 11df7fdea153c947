verdict_sut_module(receivables SOURCES receivables.cpp invariants.cpp)
