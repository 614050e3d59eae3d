# graphpool::blis: the static archive of Debian's serial BLIS (libblis-serial-dev), used by
# core/gemm.cpp for cblas_sgemm / cblas_dgemm on blocks of rows, several blocks at once on oneTBB's
# threads. BLIS is reentrant: concurrent calls from several threads each compute their own product
# (Gemm.RepeatedTwoThreadRunsAllEqualTheOneThreadResult checks it). Debian's OpenBLAS 0.3.21 is not:
# its serial build (made without USE_LOCKING) and, more rarely, its pthread build returned wrong
# bits for some concurrent calls. Serial, so BLIS adds no threads of its own next to oneTBB's; static,
# so the system's libblas.so.3 alternative plays no part.
# Included by the top-level CMakeLists.txt and by the installed graphpoolConfig.cmake.
if(NOT TARGET graphpool::blis)
  set(_graphpool_blas_arch "${CMAKE_LIBRARY_ARCHITECTURE}")
  if(NOT _graphpool_blas_arch)
    set(_graphpool_blas_arch "x86_64-linux-gnu")
  endif()
  find_path(GRAPHPOOL_BLIS_INCLUDE_DIR cblas.h
            PATHS /usr/include/${_graphpool_blas_arch}/blis-serial NO_DEFAULT_PATH)
  find_library(GRAPHPOOL_BLIS_LIBRARY NAMES libblis.a
               PATHS /usr/lib/${_graphpool_blas_arch}/blis-serial NO_DEFAULT_PATH)
  if(NOT GRAPHPOOL_BLIS_INCLUDE_DIR OR NOT GRAPHPOOL_BLIS_LIBRARY)
    message(FATAL_ERROR "graphpool needs the serial BLIS static library and header "
                        "(/usr/lib/${_graphpool_blas_arch}/blis-serial/libblis.a, "
                        "/usr/include/${_graphpool_blas_arch}/blis-serial/cblas.h): "
                        "apt-get install libblis-serial-dev")
  endif()
  find_package(Threads REQUIRED)
  add_library(graphpool::blis STATIC IMPORTED)
  set_target_properties(graphpool::blis PROPERTIES
    IMPORTED_LOCATION "${GRAPHPOOL_BLIS_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${GRAPHPOOL_BLIS_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "Threads::Threads;m")
  message(STATUS "graphpool: BLIS ${GRAPHPOOL_BLIS_LIBRARY}")
endif()
