# The host's obfuscator (docs/obfuscation.md): options/dispatch/JSON, the legacy SQL
# obfuscator, exec plans and MongoDB. No Python, no rtloader: linked by the host, its unit
# tests (test/obfuscate), the fuzz target and the benchmark. The go-sqllexer modes are the
# rtl_obfuscate_sqllexer library of host/obfuscate/CMakeLists.txt.
find_package(PkgConfig REQUIRED)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
set(RTL_OBFUSCATE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/buf.c
  ${CMAKE_CURRENT_LIST_DIR}/json_keys.c
  ${CMAKE_CURRENT_LIST_DIR}/json_obfuscate.c
  ${CMAKE_CURRENT_LIST_DIR}/json_scan.c
  ${CMAKE_CURRENT_LIST_DIR}/json_text.c
  ${CMAKE_CURRENT_LIST_DIR}/obfuscate.c
  ${CMAKE_CURRENT_LIST_DIR}/options.c
  ${CMAKE_CURRENT_LIST_DIR}/result_cache.c
  ${CMAKE_CURRENT_LIST_DIR}/sql_legacy.c
  ${CMAKE_CURRENT_LIST_DIR}/sql_tokenizer.c)
add_library(rtl_obfuscate STATIC ${RTL_OBFUSCATE_SOURCES})
target_include_directories(rtl_obfuscate PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(rtl_obfuscate PUBLIC rtl_obfuscate_sqllexer PkgConfig::JANSSON pthread)
