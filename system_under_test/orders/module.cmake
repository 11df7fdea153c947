verdict_sut_module(orders SOURCES orders.cpp invariants.cpp)
