"""Prints every function in a SAM template that is built with BuildMethod rust-cargolambda, one
per line: its binary (Metadata.BuildProperties.Binary), a tab, and the folder SAM builds it in
(Properties.CodeUri, relative to the template's folder), e.g. `click\tfunctions/click`.

    .tools/sam-venv/bin/python scripts/lib/template-binaries.py template.yaml

Needs PyYAML (the SAM venv has it). CloudFormation's short tags (!Ref, !Sub, ...) are read as
plain values: only the functions' Metadata and CodeUri matter here. Exits 1 if there is no such
function, or one whose CodeUri is not a folder (an S3 location, an !Ref).
"""

import sys

import yaml


class TemplateLoader(yaml.SafeLoader):
    """A safe loader that accepts any `!Tag` (CloudFormation's intrinsic functions)."""


def _any_tag(loader, _suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


TemplateLoader.add_multi_constructor("!", _any_tag)

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    template = yaml.load(f, Loader=TemplateLoader)

functions = []
for name, resource in (template.get("Resources") or {}).items():
    if (resource.get("Metadata") or {}).get("BuildMethod") != "rust-cargolambda":
        continue
    binary = resource["Metadata"]["BuildProperties"]["Binary"]
    code_uri = (resource.get("Properties") or {}).get("CodeUri")
    if not isinstance(code_uri, str) or not code_uri or "\t" in code_uri:
        sys.exit(f"{path}: {name}'s CodeUri must be a folder, found {code_uri!r}")
    functions.append(f"{binary}\t{code_uri}")
if not functions:
    sys.exit(f"{path}: no function with BuildMethod rust-cargolambda")
print("\n".join(functions))
