# Toolchain file: the runtime library (no tests: -DMCU_NN_BUILD_TESTS=OFF) for a Cortex-M core
# with clang, as armclang users build it. MCU_NN_CPU and MCU_NN_FLOAT_FLAGS as in
# arm-none-eabi-gcc.cmake; the C library headers are arm-none-eabi's newlib
# (MCU_NN_NEWLIB_INCLUDE).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET arm-none-eabi)
set(CMAKE_AR arm-none-eabi-ar)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(MCU_NN_CPU "cortex-m55" CACHE STRING "Cortex-M core (-mcpu)")
set(MCU_NN_NEWLIB_INCLUDE "/usr/lib/arm-none-eabi/include" CACHE PATH "newlib's headers")
if(NOT DEFINED MCU_NN_FLOAT_FLAGS)
    if(MCU_NN_CPU MATCHES "cortex-m(4|7)")
        set(MCU_NN_FLOAT_FLAGS "-mfpu=fpv4-sp-d16 -mfloat-abi=hard")
    elseif(MCU_NN_CPU MATCHES "cortex-m(33|35p|55|85)")
        set(MCU_NN_FLOAT_FLAGS "-mfloat-abi=hard")
    else()
        set(MCU_NN_FLOAT_FLAGS "-mfloat-abi=soft")
    endif()
endif()
set(MCU_NN_FLOAT_FLAGS "${MCU_NN_FLOAT_FLAGS}" CACHE STRING "Floating-point flags")
set(CMAKE_C_FLAGS_INIT
    "-mcpu=${MCU_NN_CPU} -mthumb ${MCU_NN_FLOAT_FLAGS} -isystem ${MCU_NN_NEWLIB_INCLUDE}")
