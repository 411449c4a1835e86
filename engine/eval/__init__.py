"""Evaluation: suites of conversations put to models, metrics on the answers, reports.

- :mod:`engine.eval.metrics` and :mod:`engine.eval.pedagogy`: the metrics, by name;
- :mod:`engine.eval.backends`: the local engine (base or adapter), Ollama, OpenAI-compatible;
- :mod:`engine.eval.cache`: answers kept in the workspace by model identity, conversation,
  settings and suite;
- :mod:`engine.eval.runner`: parallel runs with progress, cache, activity and notification;
- :mod:`engine.eval.reports`: JSON, Markdown and plain comparison, byte-for-byte repeatable;
- :mod:`engine.eval.judge`: MRBench-style judging, human ratings and Cohen's kappa;
- :mod:`engine.eval.gate`: the export gate (an adapter must not fall below base).

The same calls back the Eval screen and ``quimbot-tui eval``.
"""
