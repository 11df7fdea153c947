# CTest tests (issue #2 §7). Labels: pr (the PR gate) plus unit / fixture / property / concurrency.
# One embedded PostgreSQL cluster is shared by every test of a ctest run: a CTest fixture whose setup
# is `verdict db start --state FILE` and whose cleanup is `verdict db stop --state FILE`. Tests find
# it through VERDICT_SERVER_STATE and clone their own databases from its migrated template.
# With DATABASE_URL set the tests use that server instead (the fixture still runs, and is unused).

# The fuzz targets (ci/fuzz_targets.txt: name, committed corpus, more seeds): in every build their
# corpora are replayed once (NAME_replay, no libFuzzer, no database; the PR gate); in the fuzz build
# (VERDICT_FUZZ, clang) each runs for a short while instead (ctest --preset fuzz: the nightly run).
file(STRINGS "${PROJECT_SOURCE_DIR}/ci/fuzz_targets.txt" verdict_fuzz_lines REGEX "^[a-z]")
set(verdict_fuzz_short_run_s 60)
foreach(line IN LISTS verdict_fuzz_lines)
  string(REGEX REPLACE " +" ";" fields "${line}")
  list(POP_FRONT fields target)
  set(corpora "")
  foreach(field IN LISTS fields)
    if(NOT field MATCHES "=")
      list(APPEND corpora "${PROJECT_SOURCE_DIR}/${field}")
    endif()
  endforeach()
  if(VERDICT_FUZZ)
    add_test(NAME fuzz.run.${target}
      COMMAND ${PROJECT_SOURCE_DIR}/ci/fuzz run ${target} ${verdict_fuzz_short_run_s} --no-build
              --build-dir ${CMAKE_BINARY_DIR})
    math(EXPR timeout "${verdict_fuzz_short_run_s} + 120")
    set_tests_properties(fuzz.run.${target} PROPERTIES LABELS "nightly;fuzz" TIMEOUT ${timeout} RUN_SERIAL ON)
  else()
    add_test(NAME fuzz.replay.${target} COMMAND ${target}_replay ${corpora})
    set_tests_properties(fuzz.replay.${target} PROPERTIES LABELS "pr;nightly;fuzz" TIMEOUT 120
      ENVIRONMENT "VERDICT_ROOT=${PROJECT_SOURCE_DIR}")
  endif()
endforeach()
# The replay driver's own contract (harness/fuzz/replay_main.cpp): no path, a path that does not
# exist, or paths with no input under them are exit 2: a replay of nothing must not read as a pass.
if(NOT VERDICT_FUZZ)
  add_test(NAME fuzz.replay_refuses_nothing_to_replay
    COMMAND sh -c "d=$(mktemp -d); \"$0\" \"$d\"; empty=$?; \"$0\"; none=$?; \"$0\" \"$d/missing\"; missing=$?; rmdir \"$d\"; echo \"exit codes: empty corpus $empty, no path $none, missing path $missing (each must be 2)\"; test $empty -eq 2 && test $none -eq 2 && test $missing -eq 2"
            $<TARGET_FILE:url_replay>)
  set_tests_properties(fuzz.replay_refuses_nothing_to_replay PROPERTIES LABELS "pr;nightly;fuzz" TIMEOUT 30)
endif()
# The fuzz build builds nothing else (CMakePresets.json: its build preset names the fuzz programs).
if(VERDICT_FUZZ)
  return()
endif()

set(VERDICT_STATE_FILE "${CMAKE_BINARY_DIR}/ctest-db-state.json")
set(VERDICT_TEST_ENV "VERDICT_SERVER_STATE=${VERDICT_STATE_FILE};VERDICT_ROOT=${PROJECT_SOURCE_DIR}")
set(VERDICT_TEST_OUT "${CMAKE_BINARY_DIR}/test-out")

add_test(NAME db.start COMMAND verdict db start --in-memory --state ${VERDICT_STATE_FILE})
set_tests_properties(db.start PROPERTIES FIXTURES_SETUP verdict_db LABELS "pr;nightly" TIMEOUT 120)
add_test(NAME db.stop COMMAND verdict db stop --state ${VERDICT_STATE_FILE})
set_tests_properties(db.stop PROPERTIES FIXTURES_CLEANUP verdict_db LABELS "pr;nightly" TIMEOUT 60)

# verdict_db_test(NAME LABEL TIMEOUT COMMAND...): a test that needs the cluster.
function(verdict_db_test name label timeout)
  add_test(NAME ${name} COMMAND ${ARGN})
  set_tests_properties(${name} PROPERTIES
    FIXTURES_REQUIRED verdict_db LABELS "pr;nightly;${label}" TIMEOUT ${timeout}
    ENVIRONMENT "${VERDICT_TEST_ENV}")
endfunction()

# Each fixture file is a test, named by its path: fixtures/inventory/adjust_rules.json is
# fixture.inventory.adjust_rules (so two modules' files of one name never clash).
file(GLOB_RECURSE fixture_files CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/fixtures/*.json")
foreach(file IN LISTS fixture_files)
  file(RELATIVE_PATH relative "${PROJECT_SOURCE_DIR}/fixtures" "${file}")
  string(REGEX REPLACE "\\.json$" "" relative "${relative}")
  string(REPLACE "/" "." test_name "fixture.${relative}")
  verdict_db_test(${test_name} fixture 60
    $<TARGET_FILE:verdict> fixtures ${file} --out ${VERDICT_TEST_OUT}/${test_name})
endforeach()

# GoogleTest programs: unit tests beside the code they test. Tests that need a database use the
# shared cluster through VERDICT_SERVER_STATE too (gtest_discover_tests: one CTest test per case).
add_subdirectory(${PROJECT_SOURCE_DIR}/harness/tests ${CMAKE_BINARY_DIR}/harness_tests)
add_subdirectory(${PROJECT_SOURCE_DIR}/system_under_test/tests ${CMAKE_BINARY_DIR}/sut_tests)

# The property suite and the stress test, as the pr profile runs them.
verdict_db_test(property.inventory property 240
  $<TARGET_FILE:verdict> properties --suite inventory --seed 1 --cases 100 --max-size 30 --out ${VERDICT_TEST_OUT}/property.inventory)
verdict_db_test(stress.hot_batch concurrency 240
  $<TARGET_FILE:verdict> stress --workload hot_batch --seed 1 --threads 8 --ops 100 --out ${VERDICT_TEST_OUT}/stress.hot_batch)

# The stress toolkit end to end: history, same seed same commands, preconditions are errors.
verdict_db_test(harness.stress_preconditions harness 240
  python3 ${PROJECT_SOURCE_DIR}/ci/check_stress_preconditions.py $<TARGET_FILE:verdict> ${VERDICT_TEST_OUT}/stress.preconditions)

# The main job itself: `verdict gate --profile smoke`, and the files it writes.
verdict_db_test(gate.smoke gate 240
  python3 ${PROJECT_SOURCE_DIR}/ci/check_gate_output.py $<TARGET_FILE:verdict> ${VERDICT_TEST_OUT}/gate.smoke)

# Guard rail: every registered command is called by a fixture and covered by a reference model.
add_test(NAME harness.command_coverage COMMAND verdict commands --check-coverage --fixtures ${PROJECT_SOURCE_DIR}/fixtures)
set_tests_properties(harness.command_coverage PROPERTIES LABELS "pr;nightly;unit" TIMEOUT 30)

# docs/INVARIANTS.md and docs/ERRORS.md are generated: fail when the committed files are stale.
add_test(NAME docs.generated_up_to_date COMMAND verdict docs --check --dir ${PROJECT_SOURCE_DIR}/docs)
set_tests_properties(docs.generated_up_to_date PROPERTIES LABELS "pr;nightly;unit" TIMEOUT 30)

# The embedded cluster's lifecycle: SIGINT/SIGTERM at 20+ moments spread over a whole run, mid-stress,
# and crash signals each remove the cluster and leave a verdict of status error; a SIGKILLed run's
# cluster and a half-removed one are removed by the next run. Uses clusters of its own.
add_test(NAME harness.cluster_cleanup
  COMMAND python3 ${PROJECT_SOURCE_DIR}/ci/check_cluster_cleanup.py $<TARGET_FILE:verdict>
          ${PROJECT_SOURCE_DIR}/fixtures/inventory/receive_fulfill_reverse_adjust.json)
set_tests_properties(harness.cluster_cleanup PROPERTIES LABELS "pr;nightly;harness" TIMEOUT 600
  ENVIRONMENT "VERDICT_ROOT=${PROJECT_SOURCE_DIR}")

# DATABASE_URL: the same runs against a server the harness did not start.
verdict_db_test(harness.external_database_url harness 120
  python3 ${PROJECT_SOURCE_DIR}/ci/check_external_server.py $<TARGET_FILE:verdict>
          ${PROJECT_SOURCE_DIR}/fixtures/inventory/transfer_and_reversal.json)

# Preflight on DATABASE_URL: roles made without CREATEDB, without our roles, or with pre-made ones;
# the planting tests skipped, saying why, under a role that is not a superuser.
verdict_db_test(harness.preflight harness 300
  python3 ${PROJECT_SOURCE_DIR}/ci/check_preflight.py $<TARGET_FILE:verdict>
          ${PROJECT_SOURCE_DIR}/fixtures/inventory/transfer_and_reversal.json $<TARGET_FILE:sut_tests>)

# Secrets: a password planted in DATABASE_URL and --database appears in no output and no file.
verdict_db_test(harness.secrets harness 300
  python3 ${PROJECT_SOURCE_DIR}/ci/check_secrets.py $<TARGET_FILE:verdict>
          ${PROJECT_SOURCE_DIR}/fixtures/inventory/transfer_and_reversal.json)

# A person's path: db start, corrupt a projection row by hand, invariants --check exits 1 with it.
add_test(NAME harness.manual_corruption_is_reported
  COMMAND python3 ${PROJECT_SOURCE_DIR}/ci/check_manual_corruption.py $<TARGET_FILE:verdict>)
set_tests_properties(harness.manual_corruption_is_reported PROPERTIES LABELS "pr;nightly;harness" TIMEOUT 120
  ENVIRONMENT "VERDICT_ROOT=${PROJECT_SOURCE_DIR}")

# The fixture runner's verdicts end to end: fail (1) with step and replay, error (2) for a file it
# cannot interpret, error outranks fail.
verdict_db_test(harness.fixture_verdicts harness 120
  python3 ${PROJECT_SOURCE_DIR}/ci/check_fixture_verdicts.py $<TARGET_FILE:verdict>)

# The exit-code contract (README "Exit codes"): one check per row of its table.
verdict_db_test(harness.exit_codes harness 240
  python3 ${PROJECT_SOURCE_DIR}/ci/check_exit_codes.py $<TARGET_FILE:verdict>)

# ./verdict's build: two started together wait for one build (a lock), with progress and an estimate.
# A scratch copy of the scripts and a fake cmake: it neither needs nor touches this build directory.
add_test(NAME harness.build_lock COMMAND python3 ${PROJECT_SOURCE_DIR}/ci/check_build_lock.py ${PROJECT_SOURCE_DIR})
set_tests_properties(harness.build_lock PROPERTIES LABELS "pr;nightly;harness" TIMEOUT 120)

# House style: every C++ file is clang-formatted (.clang-format at the root).
file(GLOB_RECURSE verdict_cpp_files CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/harness/*.cpp ${PROJECT_SOURCE_DIR}/harness/*.hpp
  ${PROJECT_SOURCE_DIR}/system_under_test/*.cpp ${PROJECT_SOURCE_DIR}/system_under_test/*.hpp
  ${PROJECT_SOURCE_DIR}/properties/*.cpp ${PROJECT_SOURCE_DIR}/properties/*.hpp
  ${PROJECT_SOURCE_DIR}/concurrency/*.cpp ${PROJECT_SOURCE_DIR}/bench/*.cpp)
add_test(NAME style.clang_format COMMAND clang-format --dry-run --Werror ${verdict_cpp_files})
set_tests_properties(style.clang_format PROPERTIES LABELS "pr;nightly;style" TIMEOUT 60)

# ./verdict mutants itself (ci/mutants/): operators on snippets, stable ids, the baseline, flags and exit
# codes, and a run over a ten-line sample project where a weak suite fails the threshold (exit 1) and a
# strong one passes. No mutant of this tree is built. docs/MUTANTS.md.
add_test(NAME harness.mutants_tool
  COMMAND python3 -m unittest discover -s ${PROJECT_SOURCE_DIR}/ci/mutants -p "test_*.py")
set_tests_properties(harness.mutants_tool PROPERTIES LABELS "pr;nightly;harness" TIMEOUT 300)
