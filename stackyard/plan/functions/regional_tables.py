"""Per-region constants the AWS provider ships: service accounts, hosted zone IDs, canonical IDs.

Each table is AWS-published data as the Terraform AWS provider carries it; the file and commit
it was read from are named on each. A region missing from a table is not answered here (the
function returns None): the provider in use may be newer than the table, so the plan takes the
answer from the user instead of inventing a refusal.
"""

from __future__ import annotations

from typing import Any

from stackyard.plan.functions.facts import PlanFacts, partition_of

# internal/service/elb/service_account_data_source.go @ 01f431114674c27cf790fafb67ac274bf8f765e1
ELB_SERVICE_ACCOUNTS = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-gov-east-1": "190560391635",
    "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
}

# internal/service/cloudtrail/service_account_data_source.go @ 01f431114674c27cf790fafb67ac274bf8f765e1
CLOUDTRAIL_SERVICE_ACCOUNTS = {
    "af-south-1": "525921808201",
    "ap-east-1": "119688915426",
    "ap-northeast-1": "216624486486",
    "ap-northeast-2": "492519147666",
    "ap-northeast-3": "765225791966",
    "ap-south-1": "977081816279",
    "ap-south-2": "582488909970",
    "ap-southeast-1": "903692715234",
    "ap-southeast-2": "284668455005",
    "ap-southeast-3": "069019280451",
    "ap-southeast-4": "187074758985",
    "ca-central-1": "819402241893",
    "cn-north-1": "193415116832",
    "cn-northwest-1": "681348832753",
    "eu-central-1": "035351147821",
    "eu-central-2": "453052556044",
    "eu-north-1": "829690693026",
    "eu-south-1": "669305197877",
    "eu-south-2": "757211635381",
    "eu-west-1": "859597730677",
    "eu-west-2": "282025262664",
    "eu-west-3": "262312530599",
    "il-central-1": "683224464357",
    "me-central-1": "585772288577",
    "me-south-1": "034638983726",
    "sa-east-1": "814480443879",
    "us-east-1": "086441151436",
    "us-east-2": "475085895292",
    "us-gov-east-1": "608710470296",
    "us-gov-west-1": "608710470296",
    "us-west-1": "388731089494",
    "us-west-2": "113285607260",
}

# internal/service/elb/hosted_zone_id_data_source.go @ 0015017ad4056c21b70ab87f24a39c720202878f
ELB_HOSTED_ZONE_IDS = {
    "af-south-1": "Z268VQBMOI5EKX",
    "ap-east-1": "Z3DQVH9N71FHZ0",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-northeast-3": "Z5LXEXXYW11ES",
    "ap-south-1": "ZP97RAFLXTNZK",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "cn-north-1": "Z1GDH35T77C1KE",
    "cn-northwest-1": "ZM7IZAIOVVDZF",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-north-1": "Z23TAZ6LKFMNIO",
    "eu-south-1": "Z3ULH7SSC9OV64",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "me-south-1": "ZS929ML54UICD",
    "sa-east-1": "Z2P70J7HTTTPLU",
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-gov-east-1": "Z166TLBEWOO7G0",
    "us-gov-west-1": "Z33AYJ8TM3BH4J",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
}

# internal/service/elbv2/hosted_zone_id_data_source.go @ 01c08000ddb14181b5bd19201d8fca311dc570e4
# Application load balancers share the classic ones' zones, plus five regions the ELB table lacks.
ALB_HOSTED_ZONE_IDS = {
    **ELB_HOSTED_ZONE_IDS,
    "ap-south-2": "Z0173938T07WNTVAEPZN",
    "ap-southeast-3": "Z08888821HLRG5A9ZRTER",
    "eu-central-2": "Z06391101F2ZOEP8P5EB3",
    "eu-south-2": "Z0956581394HF5D5LXGAP",
    "me-central-1": "Z08230872XQRWHG2XF6I",
}
NLB_HOSTED_ZONE_IDS = {
    "af-south-1": "Z203XCE67M25HM",
    "ap-east-1": "Z12Y7K3UBGUAD1",
    "ap-northeast-1": "Z31USIVHYNEOWT",
    "ap-northeast-2": "ZIBE1TIR4HY56",
    "ap-northeast-3": "Z1GWIQ4HH19I5X",
    "ap-south-1": "ZVDDRBQ08TROA",
    "ap-south-2": "Z0711778386UTO08407HT",
    "ap-southeast-1": "ZKVM4W9LS7TM",
    "ap-southeast-2": "ZCT6FZBF4DROD",
    "ap-southeast-3": "Z01971771FYVNCOVWJU1G",
    "ca-central-1": "Z2EPGBW3API2WT",
    "cn-north-1": "Z3QFB96KMJ7ED6",
    "cn-northwest-1": "ZQEIKTCZ8352D",
    "eu-central-1": "Z3F0SRJ5LGBH90",
    "eu-central-2": "Z02239872DOALSIDCX66S",
    "eu-north-1": "Z1UDT6IFJ4EJM",
    "eu-south-1": "Z23146JA1KNAFP",
    "eu-south-2": "Z1011216NVTVYADP1SSV",
    "eu-west-1": "Z2IFOLAFXWLO4F",
    "eu-west-2": "ZD4D7Y8KGAS4G",
    "eu-west-3": "Z1CMS0P5QUZ6D5",
    "me-central-1": "Z00282643NTTLPANJJG2P",
    "me-south-1": "Z3QSRYVP46NYYV",
    "sa-east-1": "ZTK26PT1VY4CU",
    "us-east-1": "Z26RNL4JYFTOTI",
    "us-east-2": "ZLMOA37VPKANP",
    "us-gov-east-1": "Z1ZSMQQ6Q24QQ8",
    "us-gov-west-1": "ZMG1MZ2THAWF1",
    "us-west-1": "Z24FKFUX50B4VW",
    "us-west-2": "Z18D5FSROUN65G",
}


def _region(args: dict[str, Any], facts: PlanFacts) -> str:
    return str(args.get("region") or facts.region)


def _echo_region(result: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    # `region` is an optional input, not computed: the provider echoes it only when given.
    if args.get("region"):
        result["region"] = args["region"]
    return result


def service_account(table: dict[str, str], args: dict[str, Any], facts: PlanFacts) -> dict[str, Any] | None:
    account = table.get(_region(args, facts))
    if account is None:
        return None
    return _echo_region({"id": account, "arn": f"arn:{facts.partition}:iam::{account}:root"}, args)


def elb_hosted_zone_id(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any] | None:
    zone = ELB_HOSTED_ZONE_IDS.get(_region(args, facts))
    return None if zone is None else _echo_region({"id": zone}, args)


def lb_hosted_zone_id(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any] | None:
    kind = args.get("loadBalancerType") or "application"
    table = {"application": ALB_HOSTED_ZONE_IDS, "network": NLB_HOSTED_ZONE_IDS}.get(str(kind))
    zone = None if table is None else table.get(_region(args, facts))
    return None if zone is None else _echo_region({"id": zone, "loadBalancerType": kind}, args)


# internal/service/elasticbeanstalk/hosted_zone_data_source.go @ 500a57965ceeb3afd5f1a8211dd3c06f5d53f55c
ELASTIC_BEANSTALK_HOSTED_ZONE_IDS = {
    "af-south-1": "Z1EI3BVKMKK4AM",
    "ap-southeast-1": "Z16FZ9L249IFLT",
    "ap-southeast-2": "Z2PCDNR3VC2G1N",
    "ap-east-1": "ZPWYUBWRU171A",
    "ap-northeast-1": "Z1R25G3KIG2GBW",
    "ap-northeast-2": "Z3JE5OI70TWKCP",
    "ap-northeast-3": "ZNE5GEY1TIAGY",
    "ap-south-1": "Z18NTBI3Y7N9TZ",
    "ca-central-1": "ZJFCZL7SSZB5I",
    "eu-central-1": "Z1FRNW7UH4DEZJ",
    "eu-north-1": "Z23GO28BZ5AETM",
    "eu-south-1": "Z10VDYYOA2JFKM",
    "eu-west-1": "Z2NYPWQ7DFZAZH",
    "eu-west-2": "Z1GKAAAUGATPF1",
    "eu-west-3": "Z5WN6GAYWG5OB",
    "me-south-1": "Z2BBTEKR2I36N2",
    "sa-east-1": "Z10X7K2B4QSOFV",
    "us-east-1": "Z117KPS5GTRQ2G",
    "us-east-2": "Z14LCN19Q5QHIC",
    "us-west-1": "Z1LQECGX5PH1X",
    "us-west-2": "Z38NKT9BP95V3O",
    "us-gov-east-1": "Z35TSARG0EJ4VU",
    "us-gov-west-1": "Z4KAURWC4UUUG",
}

# internal/service/cloudfront/log_delivery_canonical_user_id_data_source.go
# @ a72a2603fd4d3ddd14cbab0af52f5d612281dbed: one ID for China, one for everywhere else.
LOG_DELIVERY_CANONICAL_USER_IDS = {
    "aws-cn": "a52cb28745c0c06e84ec548334e44bfa7fc2a85c54af20cd59e4969344b7af56",
    "": "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0",
}


def elastic_beanstalk_hosted_zone(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any] | None:
    region = _region(args, facts)
    zone = ELASTIC_BEANSTALK_HOSTED_ZONE_IDS.get(region)
    # This data source sets `region` in its state whether or not it was given.
    return None if zone is None else {"id": zone, "region": region}


def log_delivery_canonical_user_id(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any]:
    partition = partition_of(_region(args, facts)).id
    canonical = LOG_DELIVERY_CANONICAL_USER_IDS.get(partition, LOG_DELIVERY_CANONICAL_USER_IDS[""])
    return _echo_region({"id": canonical}, args)
