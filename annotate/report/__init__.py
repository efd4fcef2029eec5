"""The agreement and quality report of a pulled file or a published version.

Takes a raw export or a version folder and the schema; gives ``report.json`` and a
self-contained ``report.html``: agreement per label and overall (``agreement``, ``figures``),
pre-annotation usefulness, annotation times. Never imports Label Studio code.

Public names: ``build.build_report``, ``build.write_report``, ``build.agreement_for_export``.
"""
