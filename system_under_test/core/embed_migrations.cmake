# Generates a C++ file holding one module's migrations (run at build time, so edits re-embed).
# Inputs: OUT (the .cpp to write), DIR (the module's migrations folder), MODULE (its name).
# File names: NNNN_name.sql. Defines sut::<MODULE>_migrations(), which the module's record uses.
file(GLOB files "${DIR}/*.sql")
list(SORT files)
set(body "// Generated from system_under_test/${MODULE}/migrations by embed_migrations.cmake. Do not edit.\n#include \"sut/migrator.hpp\"\n\nnamespace sut {\nstd::vector<Migration> ${MODULE}_migrations() {\n  return {\n")
foreach(f IN LISTS files)
  get_filename_component(base "${f}" NAME_WE)
  string(REGEX MATCH "^([0-9]+)_(.+)$" _ "${base}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "migration file ${f}: name it NNNN_name.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  file(READ "${f}" text)
  string(APPEND body "      {\"${MODULE}\", ${version}, \"${CMAKE_MATCH_2}\", R\"verdict_sql(${text})verdict_sql\"},\n")
endforeach()
string(APPEND body "  };\n}\n}  // namespace sut\n")
file(WRITE "${OUT}.tmp" "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
