"""Bits as text for test benches (hex, binary, .mem files) and the operation log."""
import pytest
import fixpt


def test_hex_bin_and_mem_files(tmp_path):
    x = fixpt.array([1.0, -1.0, 0.5, -8.0], "Q4.12")
    assert x.hex().tolist() == ["1000", "f000", "0800", "8000"]
    assert fixpt.from_hex(x.hex(), "Q4.12").tolist() == x.tolist()
    assert fixpt.from_bin(x.bin(), "Q4.12").tolist() == x.tolist()
    path = tmp_path / "coeffs.mem"
    fixpt.save_mem(path, x)
    assert path.read_text() == "1000\nf000\n0800\n8000\n"
    assert fixpt.load_mem(path, "Q4.12").tolist() == x.tolist()
    odd = fixpt.array([-1.0, 0.5], "Q2.3")            # 5 bits: two hex digits
    assert odd.hex().tolist() == ["18", "04"] and fixpt.from_hex(["18"], "Q2.3").tolist() == [-1.0]
    with pytest.raises(ValueError, match="does not fit the 5 bits"):
        fixpt.from_hex(["20"], "Q2.3")


def test_record_collects_every_operation():
    with fixpt.record() as log:
        x = fixpt.array([0.3, 9.0, -9.0], "Q4.4")
        fixpt.multiply(x, x, "Q4.4")
    assert [e.operation for e in log.entries] == ["array", "mul"]
    assert log.entries[0].n_overflow == 2 and log.entries[1].n_overflow == 2
    assert log.entries[1].max == 7.9375
    assert "operation" in str(log) and "mul" in str(log)
    fixpt.array([1.0], "Q4.4")
    assert len(log.entries) == 2  # nothing recorded outside the block

