# graphpool::openblas_serial: the static archive of Debian's serial OpenBLAS (libopenblas-serial-dev),
# used by core/gemm.cpp for cblas_sgemm / cblas_dgemm. Static and serial on purpose: the system's
# libopenblas.so.0 is an alternatives link that may point to the OpenMP build, whose threads would
# fight oneTBB's; the archive pins the serial code and needs nothing but libc at run time (the
# LAPACK objects that use libgfortran are never pulled in by the GEMM symbols).
# Included by the top-level CMakeLists.txt and by the installed graphpoolConfig.cmake.
if(NOT TARGET graphpool::openblas_serial)
  set(_graphpool_blas_arch "${CMAKE_LIBRARY_ARCHITECTURE}")
  if(NOT _graphpool_blas_arch)
    set(_graphpool_blas_arch "x86_64-linux-gnu")
  endif()
  find_path(GRAPHPOOL_OPENBLAS_INCLUDE_DIR cblas.h
            PATHS /usr/include/${_graphpool_blas_arch}/openblas-serial NO_DEFAULT_PATH)
  find_library(GRAPHPOOL_OPENBLAS_LIBRARY NAMES libopenblas.a
               PATHS /usr/lib/${_graphpool_blas_arch}/openblas-serial NO_DEFAULT_PATH)
  if(NOT GRAPHPOOL_OPENBLAS_INCLUDE_DIR OR NOT GRAPHPOOL_OPENBLAS_LIBRARY)
    message(FATAL_ERROR "graphpool needs the serial OpenBLAS static library and header "
                        "(/usr/lib/${_graphpool_blas_arch}/openblas-serial/libopenblas.a, "
                        "/usr/include/${_graphpool_blas_arch}/openblas-serial/cblas.h): "
                        "apt-get install libopenblas-serial-dev")
  endif()
  add_library(graphpool::openblas_serial STATIC IMPORTED)
  set_target_properties(graphpool::openblas_serial PROPERTIES
    IMPORTED_LOCATION "${GRAPHPOOL_OPENBLAS_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${GRAPHPOOL_OPENBLAS_INCLUDE_DIR}")
  message(STATUS "graphpool: serial OpenBLAS ${GRAPHPOOL_OPENBLAS_LIBRARY}")
endif()
