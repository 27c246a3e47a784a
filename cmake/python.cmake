# Finds the Pythons the backends are built against.
#
# Default Python: Debian's python3-embed pkg-config module when present (its
# libpython lives in the system library path), else the first python3-config
# on PATH. It gives libdatadog-agent-three.so, the backend make3 loads when
# no python home is given.
#
# RTLOADER_PYTHONS: a list of python3.X-config paths or install prefixes; one
# backend lib/three/3.X/libdatadog-agent-three.so is built per minor version
# (the default Python's minor version first). Empty (the default) means the
# default Python plus every pyenv version present.

find_package(PkgConfig)

set(RTLOADER_PYTHONS "" CACHE STRING
  "python3.X-config paths or install prefixes to build backends for (default: the default Python and every pyenv version)")

# rtl_python_from_config(<python3.X-config> <out prefix>): sets
# <out>_VERSION, <out>_CFLAGS, <out>_LDFLAGS (lists), <out>_HOME, <out>_SHARED
# (whether a shared libpython exists) in the caller's scope.
function(rtl_python_from_config config_exe out)
  execute_process(COMMAND ${config_exe} --includes OUTPUT_VARIABLE _inc
    OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _r1 ERROR_QUIET)
  execute_process(COMMAND ${config_exe} --ldflags --embed OUTPUT_VARIABLE _ld
    OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _r2 ERROR_QUIET)
  execute_process(COMMAND ${config_exe} --prefix OUTPUT_VARIABLE _prefix
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT _r1 EQUAL 0 OR NOT _r2 EQUAL 0)
    set(${out}_VERSION "" PARENT_SCOPE)
    return()
  endif()
  string(REGEX MATCH "-lpython([0-9]+\\.[0-9]+)" _m "${_ld}")
  set(_ver ${CMAKE_MATCH_1})
  string(REGEX MATCH "-L([^ ]+)" _m "${_ld}")
  set(_libdirs ${CMAKE_MATCH_1} ${_prefix}/lib /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE})
  set(_shared FALSE)
  foreach(_d ${_libdirs})
    if(EXISTS ${_d}/libpython${_ver}.so)
      set(_shared TRUE)
    endif()
  endforeach()
  separate_arguments(_inc UNIX_COMMAND "${_inc}")
  separate_arguments(_ld UNIX_COMMAND "${_ld}")
  set(${out}_VERSION ${_ver} PARENT_SCOPE)
  set(${out}_CFLAGS ${_inc} PARENT_SCOPE)
  set(${out}_LDFLAGS ${_ld} PARENT_SCOPE)
  set(${out}_HOME ${_prefix} PARENT_SCOPE)
  set(${out}_SHARED ${_shared} PARENT_SCOPE)
endfunction()

if(NOT RTLOADER_DEFAULT_PYTHON_CONFIG)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(PYEMBED QUIET python3-embed)
  endif()
  if(PYEMBED_FOUND)
    find_program(_debian_config NAMES python${PYEMBED_VERSION}-config PATHS /usr/bin NO_DEFAULT_PATH)
    set(RTLOADER_DEFAULT_PYTHON_CONFIG ${_debian_config})
  else()
    find_program(RTLOADER_DEFAULT_PYTHON_CONFIG NAMES python3-config)
  endif()
endif()
if(NOT RTLOADER_DEFAULT_PYTHON_CONFIG)
  message(FATAL_ERROR "no Python 3 development files found: install python3-dev (scripts/install-deps.sh)")
endif()
rtl_python_from_config(${RTLOADER_DEFAULT_PYTHON_CONFIG} RTLOADER_DEFAULT_PYTHON)
set(RTLOADER_DEFAULT_PYTHON_LIBDIR ${RTLOADER_DEFAULT_PYTHON_HOME}/lib)
if(NOT RTLOADER_DEFAULT_PYTHON_VERSION OR RTLOADER_DEFAULT_PYTHON_VERSION VERSION_LESS 3.8)
  message(FATAL_ERROR "default Python '${RTLOADER_DEFAULT_PYTHON_VERSION}' from ${RTLOADER_DEFAULT_PYTHON_CONFIG}: 3.8 or newer is required")
endif()
message(STATUS "default Python: ${RTLOADER_DEFAULT_PYTHON_VERSION} (${RTLOADER_DEFAULT_PYTHON_CONFIG})")

# The candidate list: explicit, or the default plus pyenv's versions.
set(_candidates ${RTLOADER_PYTHONS})
if(NOT _candidates)
  set(_pyenv_root $ENV{PYENV_ROOT})
  if(NOT _pyenv_root)
    set(_pyenv_root $ENV{HOME}/.pyenv)
  endif()
  file(GLOB _candidates ${_pyenv_root}/versions/*)
  list(SORT _candidates COMPARE NATURAL)
endif()

# Resolves each candidate to a python3.X-config and keeps one per minor version.
set(RTLOADER_BACKEND_VERSIONS ${RTLOADER_DEFAULT_PYTHON_VERSION})
foreach(_cand ${_candidates})
  set(_config ${_cand})
  if(IS_DIRECTORY ${_cand})
    file(GLOB _configs ${_cand}/bin/python3.*-config)
    list(FILTER _configs INCLUDE REGEX "/python3\\.[0-9]+-config$")
    list(LENGTH _configs _n)
    if(_n EQUAL 0)
      message(STATUS "backend skipped: ${_cand}: no bin/python3.X-config (Python 2, or no development files)")
      continue()
    endif()
    list(GET _configs 0 _config)
  endif()
  rtl_python_from_config(${_config} _PY)
  if(NOT _PY_VERSION)
    message(STATUS "backend skipped: ${_config} did not answer (before 3.8, python-config has no --embed)")
    continue()
  endif()
  if(_PY_VERSION VERSION_LESS 3.8)
    message(STATUS "backend skipped: ${_cand}: Python ${_PY_VERSION} is older than 3.8")
    continue()
  endif()
  if(NOT _PY_SHARED)
    message(STATUS "backend skipped: ${_cand}: no shared libpython${_PY_VERSION}.so")
    continue()
  endif()
  # every installation found, "<X.Y>|<home>": one test each (the backend of
  # its minor version must run that very installation)
  list(APPEND RTLOADER_PYTHON_HOMES "${_PY_VERSION}|${_PY_HOME}")
  list(FIND RTLOADER_BACKEND_VERSIONS ${_PY_VERSION} _seen)
  if(NOT _seen EQUAL -1)
    message(STATUS "backend skipped: ${_cand}: Python ${_PY_VERSION} already has a backend")
    continue()
  endif()
  list(APPEND RTLOADER_BACKEND_VERSIONS ${_PY_VERSION})
  set(RTLOADER_PYTHON_${_PY_VERSION}_CFLAGS ${_PY_CFLAGS})
  set(RTLOADER_PYTHON_${_PY_VERSION}_LDFLAGS ${_PY_LDFLAGS})
  set(RTLOADER_PYTHON_${_PY_VERSION}_HOME ${_PY_HOME})
endforeach()
set(RTLOADER_PYTHON_${RTLOADER_DEFAULT_PYTHON_VERSION}_CFLAGS ${RTLOADER_DEFAULT_PYTHON_CFLAGS})
set(RTLOADER_PYTHON_${RTLOADER_DEFAULT_PYTHON_VERSION}_LDFLAGS ${RTLOADER_DEFAULT_PYTHON_LDFLAGS})
set(RTLOADER_PYTHON_${RTLOADER_DEFAULT_PYTHON_VERSION}_HOME ${RTLOADER_DEFAULT_PYTHON_HOME})
list(SORT RTLOADER_BACKEND_VERSIONS COMPARE NATURAL)
list(PREPEND RTLOADER_PYTHON_HOMES "${RTLOADER_DEFAULT_PYTHON_VERSION}|${RTLOADER_DEFAULT_PYTHON_HOME}")
list(REMOVE_DUPLICATES RTLOADER_PYTHON_HOMES)
message(STATUS "Python backends: ${RTLOADER_BACKEND_VERSIONS}")
