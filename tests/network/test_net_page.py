"""The page a backend serves: NGINX's default welcome page, naming the instance that answered."""

from net_factories import browse, lab1

from network import dataplane as dp


def test_a_backend_serves_the_nginx_welcome_page_naming_itself(account_a):
    lab = lab1(account_a)
    outcome = browse(lab, lab.ecs1, lab.endpoint.domain)
    assert outcome.ok, outcome.hops[-1]
    backend = lab.ecs2 if outcome.backend_instance == lab.ecs2.pk else lab.ecs3
    body = outcome.response.body
    assert "<h1>Welcome to nginx!</h1>" in body
    assert "font-family: Tahoma, Verdana, Arial, sans-serif" in body
    assert f'<p class="served">{backend.name} page</p>' in body  # its Page Body
    assert f"Served by <strong>{backend.name}</strong>." in body
    assert backend.pk not in body  # the provider's IDs stay out of a consumer's view
    length = dict(outcome.response.headers)["Content-Length"]
    assert int(length) == len(body.encode())


def test_the_page_escapes_what_the_trainee_typed(account_a):
    instance = dp.Instance(
        id="i-x",
        name="<b>",
        owner="A",
        status="Running",
        vpc_id="v",
        zone_id="z",
        ip="10.0.0.1",
        page_body='<script>alert("x")</script>',
    )
    body = dp._page(instance, "10.0.0.1").body
    assert (
        "<script>" not in body and "&lt;script&gt;" in body and "<strong>&lt;b&gt;</strong>" in body
    )
