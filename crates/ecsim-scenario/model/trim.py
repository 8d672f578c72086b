#!/usr/bin/env python3
"""Trims botocore's ECS service model to the request shapes of the actions ecsim simulates.

Usage: trim.py SERVICE-2.JSON[.GZ] > ecs-2014-11-13.json

Keeps, for each operation below, its input shape and every shape it reaches, with the members,
required lists, enums and ranges; documentation is dropped.
"""
import gzip
import json
import sys

OPERATIONS = [
    "CreateCluster", "DeleteCluster", "PutClusterCapacityProviders", "UpdateClusterSettings",
    "CreateCapacityProvider", "UpdateCapacityProvider", "DeleteCapacityProvider",
    "DescribeCapacityProviders",
    "RegisterContainerInstance", "DeregisterContainerInstance", "UpdateContainerInstancesState",
    "PutAttributes", "DeleteAttributes",
    "RegisterTaskDefinition", "DeregisterTaskDefinition",
    "RunTask", "StartTask", "StopTask", "UpdateTaskProtection",
    "CreateService", "UpdateService", "DeleteService",
    "CreateTaskSet", "UpdateTaskSet", "DeleteTaskSet", "UpdateServicePrimaryTaskSet",
    "ListContainerInstances", "DescribeServices", "DescribeContainerInstances", "DescribeTasks",
    "ListAttributes",
]
KEPT = ("type", "required", "enum", "min", "max", "member", "key", "value", "members")


def main():
    path = sys.argv[1]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        model = json.load(f)
    shapes = model["shapes"]
    out_shapes = {}
    operations = {}

    def reach(name):
        if name in out_shapes:
            return
        shape = shapes[name]
        kept = {k: shape[k] for k in KEPT if k in shape}
        if "members" in kept:
            kept["members"] = {m: {"shape": s["shape"]} for m, s in shape["members"].items()}
        out_shapes[name] = kept
        for m in kept.get("members", {}).values():
            reach(m["shape"])
        for k in ("member", "key", "value"):
            if k in kept:
                kept[k] = {"shape": shape[k]["shape"]}
                reach(shape[k]["shape"])

    for op in OPERATIONS:
        shape = model["operations"][op]["input"]["shape"]
        operations[op] = {"input": shape}
        reach(shape)
    out = {
        "metadata": {k: model["metadata"][k] for k in ("apiVersion", "endpointPrefix", "serviceId", "protocol")},
        "operations": operations,
        "shapes": dict(sorted(out_shapes.items())),
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


main()
