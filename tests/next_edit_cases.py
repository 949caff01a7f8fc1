"""Requests shared by the model-side tests (context, prompt formats, predictor)."""

from nxedit.model.predict.request import parse_request

INVENTORY = '''\
"""Stock keeping for a small shop."""

from dataclasses import dataclass

from pricing import apply_discount, format_money


@dataclass
class Product:
    sku: str
    name: str
    unit_price: float
    stock: int

    def label(self):
        return f"{self.sku} {self.name}"


class Warehouse:
    def __init__(self, products=()):
        self.products = {p.sku: p for p in products}

    def add(self, product):
        if product.sku in self.products:
            raise ValueError(f"duplicate sku {product.sku}")
        self.products[product.sku] = product

    def find(self, sku):
        return self.products.get(sku)

    def value(self):
        return sum(p.unit_price * p.stock for p in self.products.values())


def restock(product, amount):
    product.stock += amount
    return product.stock


def order_total(products, quantities, discount):
    total = 0.0
    for product, quantity in zip(products, quantities):
        total += product.unit_price * quantity
    total = apply_discount(total, discount)
    return format_money(total)


def low_stock(products, threshold=5):
    return [p for p in products if p.stock < threshold]


def report(products):
    lines = []
    for product in products:
        lines.append(f"{product.sku}: {product.name} ({product.stock})")
    return "\\n".join(lines)


def reorder_list(warehouse, threshold=5, batch=20):
    wanted = {}
    for product in low_stock(warehouse.products.values(), threshold):
        wanted[product.sku] = batch - product.stock
    return wanted


def sell(warehouse, sku, quantity):
    product = warehouse.find(sku)
    if product is None:
        raise KeyError(sku)
    if product.stock < quantity:
        raise ValueError(f"only {product.stock} of {sku} left")
    product.stock -= quantity
    return product.unit_price * quantity
'''

PRICING = '''\
"""Money helpers."""


def format_money(amount, currency="EUR"):
    return f"{amount:.2f} {currency}"


def apply_discount(amount, discount):
    """Take ``discount`` (0..1) off ``amount``."""
    return amount * (1 - discount)


def tax(amount, rate=0.2):
    return amount * rate
'''

UNRELATED = '''\
def parse_args(argv):
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)
'''


def request(current, line, column, history=(), path="shop/inventory.py", files=None, rid="r1"):
    """A parsed request; ``history`` items are ``(start_line, old_text, new_text)``."""
    return parse_request({
        "id": rid, "path": path, "current": current, "cursor": {"line": line, "column": column},
        "history": [{"start_line": s, "old_text": o, "new_text": n} for s, o, n in history],
        "files": files or {},
    })


def inventory_request():
    """The user renamed ``discount`` to ``rebate`` in a signature and is at its first use."""
    old_sig = "def order_total(products, quantities, discount):\n"
    new_sig = "def order_total(products, quantities, rebate):\n"
    current = INVENTORY.replace(old_sig, new_sig)
    line = current.split("\n").index("    total = apply_discount(total, discount)")
    sig_line = current.split("\n").index(new_sig.rstrip("\n"))
    before_rename = current.replace(new_sig, old_sig)
    stock_line = before_rename.split("\n").index("    product.stock += amount")
    history = [
        (stock_line, "    product.stock = product.stock + amount\n", "    product.stock += amount\n"),
        (sig_line, old_sig, new_sig),
    ]
    return request(current, line, len("    total = apply_discount(total, "), history,
                   files={"shop/pricing.py": PRICING, "tools/cli.py": UNRELATED, "shop/.env": "API_KEY=secret\n"})


def typing_requests(word: str):
    """Requests while ``word`` is typed at the start of a blank line inside order_total."""
    base = inventory_request()
    lines = base.current.split("\n")
    row = lines.index("    return format_money(total)")
    for k in range(1, len(word) + 1):
        typed = "    " + word[:k]
        current = "\n".join(lines[:row] + [typed] + lines[row:])
        yield request(current, row, len(typed), [(row, "", typed + "\n")], files=base.files)


def small_request():
    """A short file: prompts for it stay small enough for a slow CPU server."""
    current = "def area(width, h):\n    return w * h\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"
    return request(current, 0, len("def area(width"), history=[(0, "def area(w, h):\n", "def area(width, h):\n")],
                   path="geometry.py")


def cancel_after(count, token):
    """An ``on_text`` callback that cancels ``token`` once ``count`` pieces were streamed."""
    seen = []

    def on_text(piece):
        seen.append(piece)
        if len(seen) == count:
            token.cancel()

    return on_text


class StubBackend:
    """The backend interface with nothing behind it: tests override ``complete``."""

    name = "stub"

    def load(self, on_status=None):
        pass

    def count_tokens(self, text):
        return None

    def close(self):
        pass
