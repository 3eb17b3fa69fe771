"""Reference figures measured for mcutool on 2026-11-25 (QEMU 7.2 from Debian, arm-none-eabi-gcc
12.2, CMSIS-NN at git 99f736a63036): guest instructions per layer of CMSIS-NN and of plain C,
both built -O2.

Layer shapes: int8 NHWC, batch 1, stride 1, 'same' padding; input zero point -128, output
zero point -128; per-channel multipliers in [2^30, 2^31)."""

# name: (kind, input HWC, kernel, output channels, MACs)
LAYERS = {
    "L1 conv3x3_32x32x3_to16": ("conv", (32, 32, 3), 3, 16, 442_368),
    "L2 conv3x3_16x16x32_to32": ("conv", (16, 16, 32), 3, 32, 2_359_296),
    "L3 conv1x1_25x5x64_to64": ("conv", (25, 5, 64), 1, 64, 512_000),
    "L4 dw3x3_25x5x64": ("depthwise", (25, 5, 64), 3, 64, 72_000),
    "L5 dw3x3_48x48x8": ("depthwise", (48, 48, 8), 3, 8, 165_888),
    "L6 fc_640_to128": ("fc", (1, 1, 640), 1, 128, 81_920),
}

# board -> CPU column of the anchors (M0 code was measured on the M3 model)
BOARD_CPU = {"mps2-an385": "m3", "mps2-an386": "m4", "mps2-an500": "m7", "mps2-an505": "m33",
             "mps3-an547": "m55", "netduinoplus2": "m4", "microbit": "m0"}

CMSIS_NN = {
    "L1 conv3x3_32x32x3_to16": {"m0": 5_178_728, "m3": 2_429_972, "m4": 2_110_075, "m7": 2_158_369, "m33": 2_109_430, "m55": 626_578},
    "L2 conv3x3_16x16x32_to32": {"m0": 15_817_685, "m3": 6_777_697, "m4": 4_543_880, "m7": 4_555_996, "m33": 4_552_275, "m55": 603_986},
    "L3 conv1x1_25x5x64_to64": {"m0": 3_872_768, "m3": 1_591_677, "m4": 1_069_023, "m7": 1_051_100, "m33": 1_064_991, "m55": 202_919},
    "L4 dw3x3_25x5x64": {"m0": 2_571_736, "m3": 664_899, "m4": 560_973, "m7": 560_978, "m33": 560_970, "m55": 168_694},
    "L5 dw3x3_48x48x8": {"m0": 6_676_567, "m3": 1_742_151, "m4": 1_469_169, "m7": 1_469_174, "m33": 1_469_166, "m55": 897_332},
    "L6 fc_640_to128": {"m0": 506_664, "m3": 281_359, "m4": 160_080, "m7": 160_113, "m33": 160_113, "m55": 40_165},
}

NAIVE_C = {
    "L1 conv3x3_32x32x3_to16": {"m0": 8_951_374, "m3": 7_393_426, "m4": 7_392_370, "m7": 6_941_138, "m33": 7_394_450, "m55": 6_959_119},
    "L2 conv3x3_16x16x32_to32": {"m0": 20_068_037, "m3": 15_365_564, "m4": 15_365_292, "m7": 15_150_556, "m33": 15_365_820, "m55": 13_193_299},
    "L3 conv1x1_25x5x64_to64": {"m0": 5_491_917, "m3": 3_928_862, "m4": 3_928_712, "m7": 3_872_912, "m33": 3_928_987, "m55": 3_397_346},
    "L4 dw3x3_25x5x64": {"m0": 2_667_371, "m3": 1_551_230, "m4": 1_551_057, "m7": 1_591_117, "m33": 1_551_104, "m55": 1_634_248},
    "L5 dw3x3_48x48x8": {"m0": 6_429_214, "m3": 3_754_958, "m4": 3_752_560, "m7": 3_851_253, "m33": 3_752_653, "m55": 3_953_250},
    "L6 fc_640_to128": {"m0": 667_131, "m3": 495_716, "m4": 495_713, "m7": 495_715, "m33": 495_844, "m55": 414_243},
}

# TFLite-Micro + CMSIS-NN (TFLM release flags), whole TF-converted models, one Invoke() on mps2-an386.
TFLM_M4_MODELS = {
    "kws_dscnn": {"arena": 22_820, "code": 51_440, "instructions": 7_699_233},
    "vww_mobilenet": {"arena": 100_644, "code": 51_440, "instructions": 24_101_663},
    "ic_resnet8": {"arena": 54_996, "code": 49_242, "instructions": 29_858_204},
    "ad_autoencoder": {"arena": 15_956, "code": 26_961, "instructions": 595_938},
    "digits_cnn": {"arena": 4_404, "code": 53_080, "instructions": 418_158},
}
