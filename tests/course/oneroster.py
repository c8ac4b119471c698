"""OneRoster 1.2 CSV bundles for tests, built in memory."""

from __future__ import annotations

import io
import zipfile

HEADERS = {
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
    "courses.csv": "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes",
    "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns",
    "roles.csv": "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId",
    "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
}  # fmt: skip


def bundle(files: dict[str, list[str]], modes: dict[str, str]) -> bytes:
    """``files``: rows (CSV lines without the header) per file; ``modes``: bulk or delta per
    file, the others absent."""
    manifest = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.2"]
    for name in HEADERS:
        manifest.append(f"file.{name.removesuffix('.csv')},{modes.get(name, 'absent')}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.csv", "\n".join(manifest) + "\n")
        for name, rows in files.items():
            archive.writestr(name, "\n".join([HEADERS[name], *rows]) + "\n")
    return buffer.getvalue()


def user_row(
    sourced_id: str, email: str, agents: str = "", status: str = "", modified: str = ""
) -> str:
    return f"{sourced_id},{status},{modified},true,{sourced_id},,Given,Family,,,{email},,,{agents},,,,,,,,,"


def minimal_bundle(email: str) -> bytes:
    """One org, term, course, class, user and enrollment."""
    return bundle(
        {
            "orgs.csv": ["org-1,,,Main School,school,,"],
            "academicSessions.csv": ["term-1,,,Fall 2026,term,2026-09-01,2026-12-20,,2026"],
            "courses.csv": ["course-1,,,term-1,Algebra,ALG-1,,org-1,,"],
            "classes.csv": ["class-1,,,Algebra A,,course-1,ALG-1A,scheduled,,org-1,term-1,,,"],
            "users.csv": [user_row("u-1", email)],
            "roles.csv": ["r-1,,,u-1,primary,student,,,org-1,"],
            "enrollments.csv": ["e-1,,,class-1,org-1,u-1,student,false,,"],
        },
        dict.fromkeys(HEADERS, "bulk"),
    )
