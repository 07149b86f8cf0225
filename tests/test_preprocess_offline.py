"""Preprocessing works offline: no NLTK downloader data, no network."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import nltk
import pandas as pd

from textanalytics.corpus.model import Corpus
from textanalytics.preprocessing import PreprocessConfig, preprocess

ROOT = Path(__file__).resolve().parents[1]
TEXT = "Mr. Smith met ISIL's envoys. The U.N. Security Council met again."


def _corpus() -> Corpus:
    p = pd.DataFrame({"statement_id": ["s"], "paragraph": [1], "text": [TEXT]})
    return Corpus(statements=pd.DataFrame({"statement_id": ["s"]}), paragraphs=p)


def test_no_nltk_data_and_no_network_in_process(tmp_path, monkeypatch):
    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])

    def no_network(*args, **kwargs):
        raise OSError("network used")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    for splitter in ("punkt", "punkt_trained"):
        t = preprocess(_corpus(), config=PreprocessConfig(cache_dir="", sentence_splitter=splitter))
        assert t.table["sentence"].max() == 2
        assert "isil" in set(t.table["lemma"].astype(str))


def test_no_nltk_data_in_a_fresh_interpreter(tmp_path):
    """A new process with NLTK_DATA pointing at an empty folder (set before nltk is imported)."""
    script = textwrap.dedent(f"""
        import socket, sys
        def no_network(*args, **kwargs):
            raise OSError("network used")
        socket.socket.connect = no_network
        socket.create_connection = no_network
        import nltk
        nltk.data.path[:] = [sys.argv[1]]
        import pandas as pd
        from textanalytics.corpus.model import Corpus
        from textanalytics.preprocessing import PreprocessConfig, preprocess
        p = pd.DataFrame({{"statement_id": ["s"], "paragraph": [1], "text": [{TEXT!r}]}})
        t = preprocess(Corpus(statements=pd.DataFrame({{"statement_id": ["s"]}}), paragraphs=p),
                       config=PreprocessConfig(cache_dir=""))
        assert t.table["sentence"].max() == 2, t.table
        print("ok")
    """)
    env = {"NLTK_DATA": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")
