# C unit tests of the builtin modules' helpers (three/builtins/tags.c and
# event.c). Included by test/c/CMakeLists.txt. Each test program embeds the
# default Python and compiles the helpers it tests, plus the backend's
# allocator (three/alloc.c) so the tests can count what the helpers take.
# They always use the default Python (not the backend of a per-version
# pass), hence the "once" label of scripts/run-tests.sh.
set(RTL_BT_DIR ${CMAKE_CURRENT_LIST_DIR})
if(RTL_CMOCKA_LIBRARY)
  set(RTL_BT_CMOCKA ${RTL_CMOCKA_LIBRARY})
else()
  set(RTL_BT_CMOCKA cmocka)
endif()
get_filename_component(RTL_BT_ROOT ${CMAKE_CURRENT_LIST_DIR}/../.. ABSOLUTE)
set(RTL_BT_THREE ${RTL_BT_ROOT}/three)

foreach(unit tags event)
  set(target test_builtins_${unit})
  add_executable(${target}
    ${RTL_BT_DIR}/test_builtins_${unit}.c
    ${RTL_BT_DIR}/builtins_test_support.c
    ${RTL_BT_THREE}/alloc.c
    ${RTL_BT_THREE}/strview.c
    ${RTL_BT_THREE}/builtins/tags.c
    ${RTL_BT_THREE}/builtins/event.c)
  target_include_directories(${target} PRIVATE
    ${RTL_BT_ROOT}/include ${RTL_BT_ROOT}/common
    ${RTL_BT_THREE} ${RTL_BT_THREE}/builtins ${RTL_BT_DIR})
  target_compile_options(${target} PRIVATE ${RTLOADER_DEFAULT_PYTHON_CFLAGS})
  target_link_libraries(${target} PRIVATE ${RTL_BT_CMOCKA} ${RTLOADER_DEFAULT_PYTHON_LDFLAGS})
  set_target_properties(${target} PROPERTIES BUILD_RPATH "${RTLOADER_DEFAULT_PYTHON_LIBDIR}")
  add_test(NAME builtins_${unit} COMMAND ${target})
  set_tests_properties(builtins_${unit} PROPERTIES
    ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1" LABELS once)
endforeach()
