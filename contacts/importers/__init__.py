"""Reading import sources and guessing their mapping (SPEC IMP-1…3). Pure Python: no models, no database.

table = read_table(upload, filename=upload.name)          # or read_pasted(text) / read_typed_points(text)
mapping = suggest_mapping(table.headers, custom_fields)   # ["first_name", "phone", None, "group", …]
for row in table.rows: ...                                # lists of strings, streamed; a line that could not
                                                          # be read is a BadRow (a list) with its `reason`
"""

from .mapping import (
    CUSTOM_PREFIX,
    FIELDS,
    MAX_GROUP_COLUMNS,
    Field,
    header_key,
    mapping_restore,
    mapping_save,
    mapping_signature,
    suggest_mapping,
)
from .readers import classify_point, read_pasted, read_table, read_typed_points, rows_estimate
from .table import BadRow, ImportFileError, Table, header_label, header_text
from .values import clean_text, parse_date, parse_gender, split_full_name, split_groups

__all__ = [
    "BadRow",
    "CUSTOM_PREFIX",
    "FIELDS",
    "MAX_GROUP_COLUMNS",
    "Field",
    "ImportFileError",
    "Table",
    "classify_point",
    "clean_text",
    "header_key",
    "header_label",
    "header_text",
    "mapping_restore",
    "mapping_save",
    "mapping_signature",
    "parse_date",
    "parse_gender",
    "read_pasted",
    "read_table",
    "read_typed_points",
    "rows_estimate",
    "split_full_name",
    "split_groups",
    "suggest_mapping",
]
