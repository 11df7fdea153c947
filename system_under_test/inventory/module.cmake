verdict_sut_module(inventory SOURCES inventory.cpp invariants.cpp)
