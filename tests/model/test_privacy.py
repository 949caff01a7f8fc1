"""Secret files and opted-out projects are never recorded (nor sent to a model)."""

from __future__ import annotations

import sqlite3

import pytest
from nxedit.model.history import db as history_db
from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document
from nxedit.model.privacy import DEFAULT_SECRET_GLOBS, OPT_OUT_FILE, PrivacyRules, glob_matches, is_private
from nxedit.model.project import project_root
from nxedit.model.history.recorder import Recorder
from nxedit.model.history.store import HistoryStore

# one file each built-in glob must catch (relative to a project root, or under a home folder)
SECRET_EXAMPLES = {
    ".env*": ["app/.env", ".env.local", ".envrc"],
    "*.env": ["deploy/prod.env"],
    "*.pem": ["certs/server.pem"],
    "*.key": ["config/master.key", "TLS.KEY"],
    "*.p12": ["signing/ios.p12"],
    "*.pfx": ["win/cert.pfx"],
    "*.p8": ["AuthKey_ABC.p8"],
    "*.crt": ["nginx/site.crt"],
    "*.cer": ["site.cer"],
    "*.der": ["ca.der"],
    "*.csr": ["req.csr"],
    "*.keystore": ["android/release.keystore"],
    "*.jks": ["java/trust.jks"],
    "*.ppk": ["putty.ppk"],
    "*.kdbx": ["passwords.kdbx"],
    "*.gpg": ["notes.txt.gpg"],
    "*.pgp": ["msg.pgp"],
    "*.asc": ["private-key.asc"],
    "*.age": ["secrets.yaml.age"],
    "id_rsa*": ["keys/id_rsa", "id_rsa.pub"],
    "id_dsa*": ["id_dsa"],
    "id_ecdsa*": ["id_ecdsa"],
    "id_ed25519*": ["deploy/id_ed25519"],
    ".ssh/**": ["~/.ssh/config", "~/.ssh/known_hosts"],
    ".gnupg/**": ["~/.gnupg/private-keys-v1.d/abc.key2"],
    "secrets/**": ["secrets/config.yaml", "deploy/secrets/db/password.txt"],
    ".secrets/**": [".secrets/token"],
    "secret/**": ["k8s/secret/app.yaml"],
    ".secret/**": [".secret/x"],
    "credentials/**": ["credentials/prod.json"],
    ".credentials/**": ["~/.credentials/api.txt"],
    ".password-store/**": ["~/.password-store/bank.gpg.txt"],
    "secret.*": ["secret.json"],
    "secrets.*": ["config/secrets.yaml", "secrets.toml"],
    "*.secret": ["db.secret"],
    "*.secrets": ["ci.secrets"],
    "credentials*": ["credentials.json", "config/credentials.yml.enc"],
    "client_secret*.json": ["client_secret_123.apps.json"],
    "*service-account*.json": ["gcp-service-account-prod.json"],
    "*serviceaccount*.json": ["serviceAccountKey.json"],
    "*.tfvars": ["infra/prod.tfvars"],
    "*.tfstate": ["terraform.tfstate"],
    "*.tfstate.*": ["terraform.tfstate.backup"],
    ".netrc": ["~/.netrc"],
    "_netrc": ["_netrc"],
    ".pgpass": ["~/.pgpass"],
    ".my.cnf": ["~/.my.cnf"],
    ".git-credentials": ["~/.git-credentials"],
    ".npmrc": [".npmrc"],
    ".pypirc": ["~/.pypirc"],
    ".dockercfg": ["~/.dockercfg"],
    ".docker/config.json": ["~/.docker/config.json"],
    ".aws/credentials": ["~/.aws/credentials"],
    ".aws/config": ["~/.aws/config"],
    ".azure/**": ["~/.azure/accessTokens.json"],
    ".config/gcloud/**": ["~/.config/gcloud/application_default_credentials.json"],
    ".kube/config": ["~/.kube/config"],
    "kubeconfig*": ["kubeconfig-prod.yaml"],
    ".vault-token": ["~/.vault-token"],
    ".htpasswd": ["www/.htpasswd"],
    "*.ovpn": ["vpn/office.ovpn"],
}

ORDINARY = [
    "src/app.py",
    "README.md",
    "environment.py",
    "src/keyboard.rs",
    "docs/certificates.md",
    "secrets_manager.py",
    "src/ssh_client.py",
    "config/settings.toml",
    "package.json",
    "tokens.py",
    "aws/config.py",
    "docs/ssh/intro.md",
]


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    return root


def resolve(example: str, project, tmp_path) -> str:
    if example.startswith("~/"):
        return str(tmp_path / "home" / "me" / example[2:])
    return str(project / example)


def test_every_built_in_glob_has_examples():
    assert set(SECRET_EXAMPLES) == set(DEFAULT_SECRET_GLOBS)


@pytest.mark.parametrize("glob", DEFAULT_SECRET_GLOBS)
def test_each_built_in_glob_catches_its_secret_files(glob, project, tmp_path):
    for example in SECRET_EXAMPLES[glob]:
        path = resolve(example, project, tmp_path)
        root = project if not example.startswith("~/") else tmp_path / "home" / "me"
        assert glob_matches(glob, path, root), (glob, example)
        assert is_private(path), example


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_source_files_are_recorded(name, project):
    assert not is_private(project / name)


def test_a_project_folder_named_like_a_secret_is_not_itself_private(tmp_path):
    root = tmp_path / "credentials-service"
    (root / ".git").mkdir(parents=True)
    assert not is_private(root / "src" / "main.py")
    assert is_private(root / "src" / "credentials.py")


def test_user_globs_add_to_the_built_in_ones(project, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    rules = PrivacyRules(("*.sql", "notes", "config/prod/*.yaml", "~/clients/**", f"{project}/vendor/*"))
    assert rules.is_private(project / "db" / "dump.SQL")
    assert rules.is_private(project / "notes" / "todo.md")  # a folder hides what is in it
    assert rules.is_private(project / "deploy" / "config" / "prod" / "app.yaml")
    assert not rules.is_private(project / "config" / "dev" / "app.yaml")
    assert rules.is_private(tmp_path / "home" / "clients" / "acme" / "main.go")
    assert rules.is_private(project / "vendor" / "lib.py")
    assert not rules.is_private(project / "src" / "vendor.py")
    assert not PrivacyRules().is_private(project / "db" / "dump.sql")


def test_an_opt_out_file_makes_a_whole_project_private(tmp_path):
    work = tmp_path / "work"
    for name in ("client", "mine"):
        (work / name / ".git").mkdir(parents=True)
    (work / "client" / OPT_OUT_FILE).touch()
    assert is_private(work / "client" / "src" / "deep" / "x.py")
    assert not is_private(work / "mine" / "x.py")
    (work / OPT_OUT_FILE).touch()  # in a folder above: every project below it
    assert is_private(work / "mine" / "x.py")


def test_project_root_is_the_nearest_marked_folder(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "pkg" / "pyproject.toml").parent.mkdir()
    (tmp_path / "repo" / "pkg" / "pyproject.toml").touch()
    assert project_root(tmp_path / "repo" / "pkg" / "src" / "m.py") == tmp_path / "repo" / "pkg"
    assert project_root(tmp_path / "repo" / "tool.py") == tmp_path / "repo"
    loose = tmp_path / "loose" / "a" / "b.txt"
    assert project_root(loose) in (loose.parent, *loose.parents)


def test_a_private_file_produces_no_events_and_no_rows(project):
    store = HistoryStore(privacy=PrivacyRules())
    rec = Recorder(sink=store.submit_event, classify=store.privacy.classify)
    for name, t in ((".env", 0.0), ("app.py", 10.0)):
        doc = Document("A=1\n")
        path = str(project / name)
        changes = doc.apply(ChangeSet.insert_at(len(doc), 3, "2"))
        rec.record_change(path, doc, changes, (0, 4), t)
        closed = rec.close_all()
        assert [e.path for e in closed] == ([] if name == ".env" else [path])
        assert rec.recent_hunks(path) == (
            []
            if name == ".env"
            else [{"start_line": 0, "old_text": "A=1\n", "new_text": "A=12\n", "path": path}]
        )
    assert store.close()
    with sqlite3.connect(history_db.default_path()) as conn:
        assert [r[0] for r in conn.execute("SELECT path FROM events")] == [str(project / "app.py")]


def test_a_file_in_a_secrets_folder_is_never_recorded_nor_sent(project):
    """Issue 14: secrets/config.yaml was recorded and sent to the model server."""
    from nxedit.model.predict.model_config import ModelConfig
    from nxedit.model.predict.model_predictor import ModelPredictor
    from nxedit.model.predict.request import parse_request

    secret = project / "secrets" / "config.yaml"
    store = HistoryStore(privacy=PrivacyRules())
    rec = Recorder(sink=store.submit_event, classify=store.privacy.classify)
    doc = Document("password: a\n")
    rec.record_change(str(secret), doc, doc.apply(ChangeSet.insert_at(len(doc), 11, "b")), (0, 12), 0.0)
    assert rec.close_all() == [] and rec.recent_hunks(str(secret)) == []
    assert store.close()
    with sqlite3.connect(history_db.default_path()) as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    predictor = ModelPredictor(ModelConfig(backend="openai", base_url="http://127.0.0.1:9/v1"))
    request = parse_request({"id": 1, "path": str(secret), "current": "password: ab\n",
                             "cursor": {"line": 0, "column": 12}})
    assert predictor.predict(request) is None and "is private" in predictor.last_rejection


def test_user_folder_globs_hide_everything_below_them(project):
    rules = PrivacyRules(("config/keys/", "vault"))
    assert rules.is_private(project / "config" / "keys" / "prod" / "signing.txt")
    assert rules.is_private(project / "ops" / "vault" / "notes.md")
    assert not rules.is_private(project / "config" / "app.toml")
