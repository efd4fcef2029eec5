"""The annotation scheme: one declarative YAML file, and everything generated from it.

Takes ``schemas/*.yaml``; gives the checked :class:`~annotate.scheme.schema.Schema` and what is
derived from it: the Label Studio labeling config, the annotator guidelines, and the dataset's
``datasets.Features``. Imports no later stage.

Public names: ``schema.load_schema``, ``schema.Schema``, ``label_config.label_config``,
``guidelines.guidelines_markdown``/``guidelines_html``, ``features.config_features``.
"""
