"""The annotation scheme: one declarative YAML file, and everything generated from it.

Takes ``schemas/*.yaml``; gives the checked :class:`~annotate.scheme.schema.Schema` and what is
derived from it: the Label Studio labeling config, the annotator guidelines, and the dataset's
features (in ``datasets``' JSON form, as ``datasets.Features`` and as Arrow schemas). Imports no
later stage.

Public names: ``schema.load_schema``, ``schema.Schema``, ``label_config.label_config``,
``guidelines.guidelines_markdown``/``guidelines_html``, ``features.feature_dicts``/``config_features``,
``arrow_schemas.config_arrow_schemas``.
"""
