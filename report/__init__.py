"""The yearly styringscockpit report: HTML, PDF and memo from the published warehouse only.

`report.build.build_report` writes the files; `ingest.danish_format` is the project's one
Danish number formatting module (the CLI uses it too). Importing this package imports nothing
heavy: the chart and PDF libraries load only when a report is built.
"""
