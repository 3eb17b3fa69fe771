# Toolchain file: runtime_c for a Cortex-M core with arm-none-eabi-gcc. The core comes from
# MCU_NN_CPU (cortex-m0, -m3, -m4, -m7, -m33, -m55, ...): the compiler then defines
# __ARM_FEATURE_DSP (M4, M7, M33, M55: the packed SIMD paths) and __ARM_FEATURE_MVE (M55:
# the Helium paths). MCU_NN_FLOAT_FLAGS overrides the floating-point flags chosen for it.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
# No linker script at configure time: try_compile builds a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(MCU_NN_CPU "cortex-m4" CACHE STRING "Cortex-M core (-mcpu)")
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
set(CMAKE_C_FLAGS_INIT "-mcpu=${MCU_NN_CPU} -mthumb ${MCU_NN_FLOAT_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections --specs=nano.specs --specs=nosys.specs -nostartfiles")
