"""Prints the binary of every function in a SAM template, one per line: the
Metadata.BuildProperties.Binary of each resource built with BuildMethod rust-cargolambda.

    .tools/sam-venv/bin/python scripts/lib/template-binaries.py template.yaml

Needs PyYAML (the SAM venv has it). CloudFormation's short tags (!Ref, !Sub, ...) are read as
plain values: only the resources' metadata matters here. Exits 1 if there is no such function.
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

with open(sys.argv[1], encoding="utf-8") as f:
    template = yaml.load(f, Loader=TemplateLoader)

binaries = [
    resource["Metadata"]["BuildProperties"]["Binary"]
    for resource in (template.get("Resources") or {}).values()
    if (resource.get("Metadata") or {}).get("BuildMethod") == "rust-cargolambda"
]
if not binaries:
    sys.exit(f"{sys.argv[1]}: no function with BuildMethod rust-cargolambda")
print("\n".join(binaries))
