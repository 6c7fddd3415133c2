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
    Step,
)
from .loader import Catalog, load_catalog
from .problems import Problem
from .scenario import Choice, Condition, Node, Scenario
from .urls import ContentUrls

__all__ = [
    "AUDIENCES", "Block", "Catalog", "CertificateSpec", "Choice", "Condition", "ContentUrls", "Course",
    "HtmlBlock", "Module", "Node", "Problem", "Question", "QuestionChoice", "Reflection", "Scenario", "Step",
    "load_catalog",
]
