"""A short tour of nxedit. Edit this file; nothing here is saved unless you press Ctrl+S.

Try next-edit prediction:
  1. Rename `total` to `subtotal` on the line marked (1). A ghost diff appears at the other
     uses of `total`; press Tab to jump to them and Tab again to accept.
  2. Add a parameter `currency` to `format_price` at (2): the call sites in `receipt`,
     which has a `currency` to pass, are offered next; Tab, Tab again.
  3. Add the argument `, taxed=True` to the apples at (3): the same argument is offered for
     the other items. Esc dismisses a suggestion you do not want.

Keys: Ctrl+P command palette, F1 help, Ctrl+S save, Ctrl+Q quit, Esc dismiss a suggestion.
"""

from dataclasses import dataclass


@dataclass
class Item:
    name: str
    price: float
    quantity: int
    taxed: bool = False


def format_price(value):  # (2)
    return f"{value:.2f}"


def cart_total(items):
    total = 0.0  # (1)
    for item in items:
        total += item.price * item.quantity
    if total > 100:
        total *= 0.95
    return total


def receipt(items, currency="EUR"):
    lines = []
    for item in items:
        lines.append(f"{item.name:<12} {item.quantity:>3} x {format_price(item.price)}")
        lines.append(f"{'':<12}       = {format_price(item.price * item.quantity)}")
    lines.append(f"{'total':<12}         {format_price(cart_total(items))}")
    return "\n".join(lines)


if __name__ == "__main__":
    basket = [
        Item("apples", 0.5, 6),  # (3)
        Item("coffee", 12.0, 1),
        Item("notebook", 3.25, 2),
    ]
    print(receipt(basket))
