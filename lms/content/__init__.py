"""Course and scenario folders (FORMAT.md) read into immutable objects. No Flask here."""

from .course import (
    AUDIENCES,
    Block,
    CertificateSpec,
    Course,
    HtmlBlock,
    Module,
    Question,
    QuestionChoice,
    Reflection,
    Response,
    Step,
)
from .loader import Catalog, ReviewDue, load_catalog
from .problems import Problem
from .scenario import Choice, Condition, ConditionalHtml, Node, PassBlocker, Scenario
from .urls import ContentUrls

__all__ = [
    "AUDIENCES", "Block", "Catalog", "CertificateSpec", "Choice", "Condition", "ContentUrls", "Course",
    "ConditionalHtml", "HtmlBlock", "Module", "Node", "PassBlocker", "Problem", "Question", "QuestionChoice",
    "Reflection", "Response", "ReviewDue", "Scenario", "Step", "load_catalog",
]
