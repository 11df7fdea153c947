#pragma once
// A module of the system under test (DESIGN §2): one folder, system_under_test/<module>/, that
// registers everything it owns through one record. Nothing central names a module: the plugin
// loops over the registry. See docs/ADDING_A_MODULE.md.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sut/errors.hpp"
#include "sut/fields.hpp"
#include "sut/migrator.hpp"
#include "verdict/invariants.hpp"
#include "verdict/system.hpp"

namespace sut {

class Tx;
using json = nlohmann::json;

// A command: its declaration (fields, permission) and its transaction body. The wrapper validates
// the arguments against the declaration before any transaction, then runs `apply` inside it.
struct CommandDef {
  verdict::CommandDecl decl;
  // Checks across fields that the declaration cannot say (e.g. from ≠ to). Runs before any
  // transaction, after the declaration's own checks.
  std::function<std::optional<Error>(const Args&)> validate;
  // The domain logic. Returns the result values, or a business Error (the transaction then rolls back).
  std::function<Outcome<json>(Tx&, const Args&)> apply;
};

// A command's declaration; it accepts an idempotency key (its module is filled in at registration).
inline verdict::CommandDecl command_decl(std::string name, std::string permission, std::string description,
                                         std::vector<verdict::FieldDecl> fields) {
  return {std::move(name), "", std::move(permission), std::move(description), std::move(fields), true};
}

// A read: declared fields, run in a read-only transaction in the caller's tenant.
struct ReadDef {
  verdict::ReadDecl decl;
  std::function<Outcome<json>(Tx&, const Args&)> run;
};

struct Module {
  std::string name;                     // the folder's name; prefixes its commands and kinds
  std::vector<std::string> depends_on;  // modules whose migrations must run first
  std::vector<Migration> migrations;
  std::vector<CommandDef> commands;
  std::vector<ReadDef> reads;
  std::vector<verdict::Invariant> invariants;
  std::vector<verdict::FailpointDecl> failpoints;
  std::vector<CodeInfo> codes;
  std::vector<verdict::TableDecl> tables;
  std::vector<verdict::VerifierDecl> verifiers;
  // What a new tenant starts with in this module (e.g. the ledger's chart of accounts), run by
  // access.create_tenant inside its transaction, dependencies first. May be empty.
  std::function<void(Tx&)> bootstrap_tenant;
};

// Called from a module's static registrar. Aborts on a duplicate module, command, read or code.
void register_module(Module module);
// Every registered module, dependencies first (ties by name): the order migrations run in.
const std::vector<Module>& modules();
const CommandDef* find_command(const std::string& name);
const ReadDef* find_read(const std::string& name);
// Every code: the core ones, then each module's.
std::vector<CodeInfo> all_codes();
// The code a database error's SQLSTATE means, if a module claimed it.
std::optional<std::string> code_for_sqlstate(const std::string& sqlstate);
// Every module's tenant bootstrap, dependencies first (access.create_tenant calls it).
void bootstrap_tenant(Tx& tx);
// Every module's migrations in order.
std::vector<Migration> all_migrations();

}  // namespace sut
