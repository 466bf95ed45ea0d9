#!/usr/bin/env python3
"""Test oracle: reads an XLSX with openpyxl (an independent reader) and prints, as JSON, per
sheet: the frozen pane, the header row, the values of every row, the number format of each
column's first data cell, and the fill colour of every non-empty cell.

    scripts/oracle/read-xlsx.py FILE.xlsx
"""
import json
import sys

import openpyxl


def main():
    book = openpyxl.load_workbook(sys.argv[1])
    out = {"sheets": book.sheetnames}
    for ws in book.worksheets:
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        first = list(ws.iter_rows(min_row=2, max_row=2))
        out[ws.title] = {
            "freeze": ws.freeze_panes,
            "header": rows[0] if rows else [],
            "rows": rows[1:],
            "formats": [c.number_format for c in first[0]] if first else [],
            "fills": [[(c.fill.fgColor.rgb if c.fill is not None and c.fill.fill_type == "solid" else None)
                       for c in row] for row in ws.iter_rows(min_row=2)],
            "autofilter": ws.auto_filter.ref,
        }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
