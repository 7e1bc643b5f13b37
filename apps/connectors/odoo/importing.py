"""`create` values → the text table of Odoo's import (`load(fields, rows)`).

    columns, rows = table([{"ref": "R-1", "journal_id": 3, "line_ids": [(0, 0, {"debit": 1.0, ...}), ...]}],
                          ["integration_console.key_r_1"])

A record takes one row, plus one row per one2many line after its first (the record's own columns left empty
there, as Odoo's export writes them). Relational values go by database id (`<field>/.id`): a many2one's id, a
many2many's ids comma-separated. A field is told relational by Odoo's naming convention (`…_id` many2one, `…_ids`
or a list many2many), so a model with an integer `…_id` (ir.model.data's `res_id`) needs a table of its own.
Anything else (other commands, nested one2many) raises ValueError: the caller creates those records one by one
instead.
"""


def table(vals_list: list[dict], xmlids: list[str] | None = None) -> tuple[list[str], list[list[str]]]:
    own, lines = _columns(vals_list)
    columns = (["id"] if xmlids else []) + [_name(k, kind) for k, kind in own]
    columns += [f"{o2m}/{_name(k, kind)}" for o2m, subs in lines.items() for k, kind in subs]
    rows = []
    for n, vals in enumerate(vals_list):
        head = ([xmlids[n]] if xmlids else []) + [_cell(vals.get(k), kind) for k, kind in own]
        children = [[_line(vals, o2m, subs, i) for o2m, subs in lines.items()] for i in range(_depth(vals, lines))]
        blank = [""] * len(head)
        for i, parts in enumerate(children or [[_line(vals, o2m, subs, None) for o2m, subs in lines.items()]]):
            rows.append((head if i == 0 else blank) + [cell for part in parts for cell in part])
    return columns, rows


def _columns(vals_list):
    """The records' own columns and each one2many's line columns, in order of first appearance, with their kind."""
    own, lines = {}, {}
    for vals in vals_list:
        for key, value in vals.items():
            if key == "id":
                raise ValueError("an import sets no database id")
            if isinstance(value, list | tuple) and not value:
                continue  # no lines or no targets: an empty cell, whichever kind the field is
            if _is_o2m(value):
                subs = lines.setdefault(key, {})
                for command in value:
                    if not (isinstance(command, list | tuple) and len(command) == 3 and command[0] == 0):
                        raise ValueError(f"{key}: only (0, 0, values) lines can be imported")
                    for sub_key, sub_value in command[2].items():
                        if _is_o2m(sub_value):
                            raise ValueError(f"{key}/{sub_key}: nested lines are not imported")
                        subs.setdefault(sub_key, _kind(sub_key, sub_value))
            else:
                own.setdefault(key, _kind(key, value))
    return list(own.items()), {o2m: list(subs.items()) for o2m, subs in lines.items()}


def _is_o2m(value) -> bool:
    """One2many commands carry values: (0, 0, vals) creates a line, (1, id, vals) updates one (not imported)."""
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(c, list | tuple) and len(c) == 3 and isinstance(c[2], dict) for c in value)
    )


def _kind(key: str, value) -> str:
    if key.endswith("_ids") or isinstance(value, list | tuple):
        return "many2many"
    if key.endswith("_id"):
        return "many2one"
    return "value"


def _name(key: str, kind: str) -> str:
    return f"{key}/.id" if kind in ("many2one", "many2many") else key


def _depth(vals: dict, lines: dict) -> int:
    return max((len(vals.get(o2m) or []) for o2m in lines), default=0)


def _line(vals: dict, o2m: str, subs: list, i: int | None) -> list[str]:
    commands = vals.get(o2m) or []
    line = commands[i][2] if i is not None and i < len(commands) else None
    return [_cell(line.get(k), kind) if line is not None else "" for k, kind in subs]


def _cell(value, kind: str) -> str:
    if value is None or value is False:
        return ""
    if kind == "many2many":
        ids = []
        for command in value or []:
            if isinstance(command, int):
                ids.append(command)
            elif command[0] == 6:
                ids = list(command[2])
            elif command[0] == 4:
                ids.append(command[1])
            else:
                raise ValueError(f"many2many command {command[0]} is not imported")
        return ",".join(str(int(i)) for i in ids)
    if kind == "many2one":
        return str(int(value[0] if isinstance(value, list | tuple) else value))
    if value is True:
        return "1"
    return str(value)
