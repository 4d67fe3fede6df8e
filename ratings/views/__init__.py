from .cases import case_detail, case_export, case_list
from .figures import figures, figures_export
from .mine import my_ratings
from .ratings import export, rating_list

__all__ = [
    "case_detail",
    "case_export",
    "case_list",
    "export",
    "figures",
    "figures_export",
    "my_ratings",
    "rating_list",
]
