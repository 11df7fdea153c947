verdict_sut_module(ledger SOURCES ledger.cpp invariants.cpp)
