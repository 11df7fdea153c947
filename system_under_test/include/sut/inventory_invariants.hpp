#pragma once
// Registers the inventory invariants with the harness registry (called by the plugin).
namespace sut::inventory {
void register_invariants();
}
