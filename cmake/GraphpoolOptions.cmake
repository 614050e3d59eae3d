# Compiler flags shared by every graphpool target: warnings, -march=native, sanitizers.
function(graphpool_apply_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(GRAPHPOOL_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  if(GRAPHPOOL_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${GRAPHPOOL_SANITIZE} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=${GRAPHPOOL_SANITIZE})
  endif()
endfunction()
