"""hr.department and hr.employee (fields per version)."""

from __future__ import annotations

from .. import fields as F
from ..orm import Model

HR_WRITE = dict.fromkeys(("write", "create", "unlink"), ("hr.group_hr_user",))


class Department(Model):
    _name = "hr.department"
    _description = "Department"
    _company_field = "company_id"
    _parent_field = "parent_id"
    _acl = HR_WRITE
    FIELDS = {
        "name": F.char("Department Name", required=True),
        "complete_name": F.char("Complete Name", compute=lambda env, r: r.get("name")),
        "parent_id": F.many2one("hr.department", "Parent Department"),
        "manager_id": F.many2one("hr.employee", "Manager"),
        "company_id": F.many2one("res.company", "Company"),
        "active": F.boolean("Active", default=True),
    }


class Employee(Model):
    _name = "hr.employee"
    _description = "Employee"
    _company_field = "company_id"
    _parent_field = "parent_id"
    _acl = HR_WRITE
    FIELDS = {
        "name": F.char("Employee Name", required=True),
        "work_email": F.char("Work Email"),
        "department_id": F.many2one("hr.department", "Department"),
        "company_id": F.many2one("res.company", "Company", required=True),
        "user_id": F.many2one("res.users", "User"),
        "parent_id": F.many2one("hr.employee", "Manager"),
        "job_title": F.char("Job Title"),
        "active": F.boolean("Active", default=True),
        "barcode": F.char("Badge ID"),
        "identification_id": F.char("Identification No"),
        "work_contact_id": F.many2one("res.partner", "Work Contact", since=16),
        "address_home_id": F.many2one("res.partner", "Private Address", until=16),
        "private_email": F.char("Private Email", since=17),
        "expense_manager_id": F.many2one("res.users", "Expense", since=12),
    }


HR_MODELS = [Department, Employee]
