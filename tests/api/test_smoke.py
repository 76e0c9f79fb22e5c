from tests.conftest import login


def test_me_and_tree(gql, world):
    data = gql("{ me { username role organization { name children { name memberCounts { total } } } } }", user="township")
    assert data["me"]["organization"]["name"] == "威州镇党委"
    names = [c["name"] for c in data["me"]["organization"]["children"]]
    assert names == ["布瓦村党支部", "龙溪村党支部"]


def test_http_graphql_needs_login(client, world):
    r = client.post("/graphql", json={"query": "{ me { username } }"})
    assert r.status_code == 401
    csrf = login(client, "village")
    r = client.post("/graphql", json={"query": "{ me { username } }"}, headers={"x-csrf-token": csrf})
    assert r.json()["data"]["me"]["username"] == "village"


def test_admin_tree(client, world):
    login(client, "township")
    r = client.get("/admin/orgs")
    assert r.status_code == 200 and "威州镇党委" in r.text
