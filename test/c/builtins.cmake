# C unit tests of the builtin modules' helpers (three/builtins/tags.c and
# event.c). Included by test/c/CMakeLists.txt. Each test program embeds the
# default Python and compiles the helpers it tests, plus the backend's
# allocator (three/alloc.c) so the tests can count what the helpers take.
set(RTL_BT_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(RTL_BT_ROOT ${CMAKE_CURRENT_LIST_DIR}/../.. ABSOLUTE)
set(RTL_BT_THREE ${RTL_BT_ROOT}/three)

foreach(unit tags event)
  set(target test_builtins_${unit})
  add_executable(${target}
    ${RTL_BT_DIR}/test_builtins_${unit}.c
    ${RTL_BT_DIR}/builtins_test_support.c
    ${RTL_BT_THREE}/alloc.c
    ${RTL_BT_THREE}/builtins/tags.c
    ${RTL_BT_THREE}/builtins/event.c)
  target_include_directories(${target} PRIVATE
    ${RTL_BT_ROOT}/include ${RTL_BT_ROOT}/common
    ${RTL_BT_THREE} ${RTL_BT_THREE}/builtins ${RTL_BT_DIR})
  target_compile_options(${target} PRIVATE ${RTLOADER_DEFAULT_PYTHON_CFLAGS})
  target_link_libraries(${target} PRIVATE cmocka ${RTLOADER_DEFAULT_PYTHON_LDFLAGS})
  set_target_properties(${target} PROPERTIES BUILD_RPATH "${RTLOADER_DEFAULT_PYTHON_LIBDIR}")
  add_test(NAME builtins_${unit} COMMAND ${target})
  set_tests_properties(builtins_${unit} PROPERTIES ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1")
endforeach()
