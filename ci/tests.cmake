# CTest tests (issue #2 §7). Labels: pr (the PR gate) plus unit / fixture / property / concurrency.
# One embedded PostgreSQL cluster is shared by every test of a ctest run: a CTest fixture whose setup
# is `verdict db start --state FILE` and whose cleanup is `verdict db stop --state FILE`. Tests find
# it through VERDICT_SERVER_STATE and clone their own databases from its migrated template.
# With DATABASE_URL set the tests use that server instead (the fixture still runs, and is unused).

set(VERDICT_STATE_FILE "${CMAKE_BINARY_DIR}/ctest-db-state.json")
set(VERDICT_TEST_ENV "VERDICT_SERVER_STATE=${VERDICT_STATE_FILE};VERDICT_ROOT=${PROJECT_SOURCE_DIR}")
set(VERDICT_TEST_OUT "${CMAKE_BINARY_DIR}/test-out")

add_test(NAME db.start COMMAND verdict db start --state ${VERDICT_STATE_FILE})
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

# Each fixture file is a test.
file(GLOB_RECURSE fixture_files CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/fixtures/*.json")
foreach(file IN LISTS fixture_files)
  get_filename_component(stem "${file}" NAME_WE)
  verdict_db_test(fixture.${stem} fixture 60
    $<TARGET_FILE:verdict> fixtures ${file} --out ${VERDICT_TEST_OUT}/fixture.${stem})
endforeach()
