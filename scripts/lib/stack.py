"""What scripts/deploy needs to know about a deployment. Runs on the SAM venv's Python
(.tools/sam-venv), which has tomlkit and boto3; credentials come from where SAM CLI finds them.

    python stack.py config SAMCONFIG        two lines: the stack name and the region saved by
                                            `sam deploy --guided` (empty lines if none)
    python stack.py status STACK REGION     the stack's status, or NONE if there is no such stack
    python stack.py register STACK REGION   what to paste into edna Pulse and BotLinkd, from the
                                            stack's outputs and parameters
"""

import os
import sys


def config(path):
    import tomlkit

    stack = region = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            document = tomlkit.load(f)
        deploy = document.get("default", {}).get("deploy", {}).get("parameters", {})
        stack = str(deploy.get("stack_name", ""))
        region = str(deploy.get("region", ""))
    print(stack)
    print(region)


def describe(stack, region):
    """The stack's description, or None if it does not exist."""
    import boto3
    import botocore.exceptions

    client = boto3.client("cloudformation", region_name=region)
    try:
        return client.describe_stacks(StackName=stack)["Stacks"][0]
    except botocore.exceptions.ClientError as err:
        if "does not exist" in str(err):
            return None
        raise


def status(stack, region):
    description = describe(stack, region)
    print(description["StackStatus"] if description else "NONE")


def register(stack, region):
    description = describe(stack, region)
    if description is None:
        sys.exit(f"stack {stack} does not exist in {region}")
    outputs = {o["OutputKey"]: o for o in description.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in description.get("Parameters", [])}
    edna_auth_off = parameters.get("EdnaAuthDisabled") == "true"

    print(f"\nStack {stack} ({region}). Register these URLs (docs/deploy.md, section 4):\n")
    for key, output in outputs.items():
        url = output["OutputValue"]
        if not key.endswith("WebhookUrl"):
            continue
        if "/botlinkd/" in url:
            url += "?token=<a token in the BotLinkd SSM parameter>"
        print(f"  {key}: {output.get('Description', '')}")
        print(f"    {url}")
    if edna_auth_off:
        print("\n  edna Pulse: authentication is OFF (EdnaAuthDisabled=true): the click URL accepts anyone.")
    else:
        print(
            "\n  edna Pulse may send its webhook key in any header (whole, or as 'Bearer <key>');"
            "\n  a 401 with Outcome unauthorized in the logs means it sent none of the keys"
            " (docs/deploy.md, section 5)."
        )
    if "EventTableName" in outputs:
        print(f"\n  Events are stored in the DynamoDB table {outputs['EventTableName']['OutputValue']}.")
    print(f"\n  Check it: docs/deploy.md section 5 (export AWS_REGION={region} AWS_DEFAULT_REGION={region} first).\n")


commands = {"config": (config, 1), "status": (status, 2), "register": (register, 2)}
if len(sys.argv) < 2 or sys.argv[1] not in commands or len(sys.argv) != commands[sys.argv[1]][1] + 2:
    sys.exit(__doc__)
function, _ = commands[sys.argv[1]]
function(*sys.argv[2:])
