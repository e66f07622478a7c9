"""The notebook report: parameterized notebooks run by papermill, rendered to HTML.

    run_batch(paths, out_dir=..., jobs=...)  -> BatchResult   what `infrakit report` runs
    load_run_specs(paths)                    -> [RunSpec]      every parameter file checked first

The notebooks (``notebooks/trade_offs.ipynb``, ``notebooks/decision.ipynb``) only call this
package and display what it returns: ``trade_offs`` (the study), ``sensitivity`` (each usage key
and assumption moved, break-evens), ``explain`` (the rule that decided, in words), ``charts``,
``decision`` (synth, preflight, deploy steps), ``views`` and ``results`` (JSON/Parquet beside
the notebook). The runner renders the pages with ``html`` and ``page_summary`` (the summary,
first and once) and judges each run with ``status``.
"""
