"""Benchmarks of the shell and base resources (run by ``manage.py bench``)."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client

from console.models import Account, Login, Region, Vpc


def timed_get(client, url, repeat):
    """Median and worst wall time of ``repeat`` GETs, and the query count of one."""
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connections["default"].execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times), len(queries), len(response.content)


def vpc_list_1000(repeat=10):
    account = Account.objects.create(name="Bench")
    user = get_user_model().objects.create_user("bench-vpc")
    Login.objects.create(user=user, account=account)
    region = Region.objects.get(pk="eu-central-1")
    Vpc.objects.bulk_create(
        [
            Vpc(
                id=f"vpc-bench{i:012d}",
                account=account,
                region=region,
                name=f"VPC{i}",
                cidr_block=f"10.{i // 256}.{i % 256}.0/24",
            )
            for i in range(1000)
        ]
    )
    client = Client()
    client.force_login(user)
    median, worst, queries, size = timed_get(client, "/vpcs/", repeat)
    return {
        "VPC list page, 1,000 VPCs: median": f"{median * 1000:.1f} ms",
        "VPC list page, 1,000 VPCs: worst": f"{worst * 1000:.1f} ms",
        "VPC list page, 1,000 VPCs: queries": queries,
        "VPC list page, 1,000 VPCs: size": f"{size / 1024:.0f} KiB",
    }


BENCHMARKS = [("vpc_list_1000", vpc_list_1000)]
