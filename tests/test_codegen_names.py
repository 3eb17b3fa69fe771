import pytest

from mcutool.codegen.names import c_identifier, c_prefix, comment_text
from mcutool.codegen.render import c_float, c_int


def test_identifiers_are_sanitised():
    assert c_identifier("conv1/BiasAdd;ReLU") == "conv1_BiasAdd_ReLU"
    assert c_identifier("9lives") == "_9lives"
    assert c_identifier("int") == "int_"
    assert c_identifier("") == "x"
    assert c_identifier("a\"); system(\"rm -rf /") == "a_system_rm_rf"


def test_comment_text_cannot_close_the_comment():
    text = comment_text("evil */ int x = 1; /* \n next line ??/")
    assert "*/" not in text and "/*" not in text and "\n" not in text and "??" not in text


def test_prefix_must_be_an_identifier():
    assert c_prefix("kws_model") == "kws_model"
    for bad in ["1abc", "a-b", "", "static", "x" * 40]:
        with pytest.raises(ValueError):
            c_prefix(bad)


def test_literals_are_exact():
    assert c_int(-(1 << 31)) == "(-2147483647 - 1)"
    assert float.fromhex(c_float(0.1)[:-1]) == float(__import__("numpy").float32(0.1))


def test_prefixes_that_would_shadow_runtime_or_test_files_are_refused():
    for bad in ["arm_nnfunctions", "arm_nn_types", "main_host", "main_board", "mcu_board", "startup"]:
        with pytest.raises(ValueError, match="clash"):
            c_prefix(bad)
