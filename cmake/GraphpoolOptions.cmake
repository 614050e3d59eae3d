# Compiler flags shared by every graphpool target: warnings, no floating-point contraction,
# -march=native, sanitizers, and the libFuzzer coverage instrumentation of GRAPHPOOL_FUZZ (clang
# only; docs/reliability.md).
function(graphpool_apply_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  # a * b + c stays two roundings: without this, GCC fuses it into one FMA where -march=native
  # has FMA, and whether it does depends on how the loop around it is inlined and vectorised, so
  # the same formula in two kernels (a pooling fast path and its cluster form) rounded differently
  # on an AVX-512 machine (WindowClusters.StochasticFastPathEqualsClusterPathBitwise). Off, our
  # own loops give the same bits on every x86-64 machine and in the portable build; Eigen's and
  # BLIS's kernels use FMA instructions explicitly and are not affected.
  target_compile_options(${target} PRIVATE -ffp-contract=off)
  if(GRAPHPOOL_GCC_AVX512_FALSE_WARNINGS)
    # GCC 12.2 (bookworm) warns about its own AVX-512 intrinsics (`__m512d __Y = __Y;` in
    # avx512fintrin.h, GCC bug 105593, fixed in 12.3) wherever Eigen's AVX-512 kernels are inlined:
    # ~1,700 false "(may be) used uninitialized" with -march=native on an AVX-512 machine. Only
    # there are these warnings off; the clang build of scripts/ci-sanitize.sh keeps its own.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized -Wno-uninitialized)
  endif()
  if(GRAPHPOOL_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  if(GRAPHPOOL_SANITIZE)
    # -fno-sanitize-recover: a UBSan report aborts the process (and fails the test) instead of
    # printing and going on.
    target_compile_options(${target} PRIVATE -fsanitize=${GRAPHPOOL_SANITIZE} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=${GRAPHPOOL_SANITIZE})
    if(GRAPHPOOL_SANITIZE_SKIP)
      # Checks left out after the list above, e.g. the UBSan pointer checks that ASan already
      # covers and that double the compile time of Eigen code (scripts/ci-sanitize.sh).
      target_compile_options(${target} PRIVATE -fno-sanitize=${GRAPHPOOL_SANITIZE_SKIP})
    endif()
  endif()
  if(GRAPHPOOL_FUZZ AND target MATCHES "^(graphpool_(core|graph|io)|fuzz_.*)$")
    # Coverage and comparison tracing for libFuzzer in the libraries the harnesses call (not in
    # layers, tests or tools: it would only slow down their build); only the harnesses (fuzz/)
    # link the libFuzzer runtime (-fsanitize=fuzzer), so tests and tools keep their main().
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# GCC before 12.3 with -march=native on a machine with AVX-512: see graphpool_apply_flags.
set(GRAPHPOOL_GCC_AVX512_FALSE_WARNINGS OFF)
if(GRAPHPOOL_NATIVE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU"
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 12.3)
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -march=native)
  check_cxx_source_compiles("#ifndef __AVX512F__\n#error no AVX-512\n#endif\nint main() { return 0; }"
                            GRAPHPOOL_NATIVE_HAS_AVX512)
  unset(CMAKE_REQUIRED_FLAGS)
  set(GRAPHPOOL_GCC_AVX512_FALSE_WARNINGS ${GRAPHPOOL_NATIVE_HAS_AVX512})
endif()

if(GRAPHPOOL_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "GRAPHPOOL_FUZZ needs clang (libFuzzer), got ${CMAKE_CXX_COMPILER_ID}: "
                      "configure with -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
endif()
