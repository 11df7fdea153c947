verdict_sut_module(access SOURCES access.cpp)
