"""SPEC IMP-1 step 2: headers map to fields automatically — English, Hebrew, Google, Outlook, Salesforce."""

import pytest

from contacts.importers import header_key, mapping_restore, mapping_save, mapping_signature, suggest_mapping

GOOGLE_OLD = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,Family Name Yomi,"
    "Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,"
    "Directory Server,Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,Group Membership,"
    "E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,"
    "Phone 2 - Value,Address 1 - Type,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,"
    "Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,Organization 1 - Type,"
    "Organization 1 - Name,Organization 1 - Yomi Name,Organization 1 - Title,Organization 1 - Department,"
    "Organization 1 - Symbol,Organization 1 - Location,Organization 1 - Job Description,Website 1 - Type,"
    "Website 1 - Value"
).split(",")
GOOGLE_NEW = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,"
    "Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,"
    "Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,"
    "Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,"
    "Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,"
    "Website 1 - Label,Website 1 - Value,Relation 1 - Label,Relation 1 - Value,Event 1 - Label,Event 1 - Value"
).split(",")
OUTLOOK = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,Business Street 2,"
    "Business Street 3,Business City,Business State,Business Postal Code,Business Country/Region,Home Street,"
    "Home Street 2,Home Street 3,Home City,Home State,Home Postal Code,Home Country/Region,Other Street,Other Street 2,"
    "Other Street 3,Other City,Other State,Other Postal Code,Other Country/Region,Assistant's Phone,Business Fax,"
    "Business Phone,Business Phone 2,Callback,Car Phone,Company Main Phone,Home Fax,Home Phone,Home Phone 2,ISDN,"
    "Mobile Phone,Other Fax,Other Phone,Pager,Primary Phone,Radio Phone,TTY/TDD Phone,Telex,Account,Anniversary,"
    "Assistant's Name,Billing Information,Birthday,Business Address PO Box,Categories,Children,Directory Server,"
    "E-mail Address,E-mail Type,E-mail Display Name,E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name,"
    "E-mail 3 Address,E-mail 3 Type,E-mail 3 Display Name,Gender,Government ID Number,Hobby,Home Address PO Box,"
    "Initials,Internet Free Busy,Keywords,Language,Location,Manager's Name,Mileage,Notes,Office Location,"
    "Organizational ID Number,Other Address PO Box,Priority,Private,Profession,Referred By,Sensitivity,Spouse,User 1,"
    "User 2,User 3,User 4,Web Page"
).split(",")
SALESFORCE = (
    "Salutation,First Name,Last Name,Title,Account Name,Mailing Street,Mailing City,Mailing State/Province,"
    "Mailing Zip/Postal Code,Mailing Country,Phone,Fax,Mobile,Email,Account Owner,Lead Source,Birthdate,Contact ID,"
    "Lead ID,Created Date,Email Opt Out,Last Activity,Last Modified Date,Contact Owner"
).split(",")


def _mapped(headers: list[str], custom_fields=()) -> dict[str, str]:
    """Only the mapped columns, header -> field: every other column must stay None."""
    return {h: f for h, f in zip(headers, suggest_mapping(headers, custom_fields), strict=True) if f}


# --- Exact synonyms -----------------------------------------------------------------------------------


def test_hebrew_headers():
    headers = [
        "שם פרטי",
        "שם משפחה",
        "טלפון נייד",
        'דוא"ל',
        "מגדר",
        "תאריך לידה",
        "תאריך הצטרפות",
        "מזהה חיצוני",
        "קבוצה",
    ]
    assert suggest_mapping(headers) == [
        "first_name",
        "last_name",
        "phone",
        "email",
        "gender",
        "birth_date",
        "registration_date",
        "external_ref",
        "group",
    ]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("שם", "full_name"),
        ("שם מלא", "full_name"),
        ("אימייל", "email"),
        ("דואל", "email"),
        ("מייל", "email"),
        ("כתובת מייל", "email"),
        ("טלפון", "phone"),
        ("נייד", "phone"),
        ("סלולרי", "phone"),
        ("מספר טלפון", "phone"),
        ("מין", "gender"),
        ("יום הולדת", "birth_date"),
        ("תאריך הרשמה", "registration_date"),
        ("רשימה", "group"),
        ("first name", "first_name"),
        ("FirstName", "first_name"),
        ("given name", "first_name"),
        ("Surname", "last_name"),
        ("family name", "last_name"),
        ("Name", "full_name"),
        ("Full Name", "full_name"),
        ("E-Mail", "email"),
        ("Email Address", "email"),
        ("mail", "email"),
        ("Mobile", "phone"),
        ("Cell", "phone"),
        ("Mobile Phone", "phone"),
        ("Cellphone", "phone"),
        ("Phone Number", "phone"),
        ("Tel", "phone"),
        ("Sex", "gender"),
        ("Date of Birth", "birth_date"),
        ("DOB", "birth_date"),
        ("Signup Date", "registration_date"),
        ("Joined", "registration_date"),
        ("ID", "known_id"),
        ("מזהה", "known_id"),
        ("External ID", "external_ref"),
        ("Reference", "external_ref"),
        ("Ref ID", "external_ref"),
        ("ContactRefId", "external_ref"),
        ("Segment", "group"),
        ("List", "group"),
    ],
)
def test_single_header_synonyms(header, field):
    assert suggest_mapping([header]) == [field]


def test_case_spaces_and_punctuation_do_not_matter():
    assert header_key(" E-MAIL  Address ") == header_key("email address") == "emailaddress"
    assert header_key('דוא"ל') == header_key("דוא״ל") == header_key("דואל")
    assert suggest_mapping(["  FIRST_NAME  ", "e.mail"]) == ["first_name", "email"]


def test_hebrew_name_beside_a_last_name_is_the_first_name():
    assert suggest_mapping(["שם", "שם משפחה", "טלפון"]) == ["first_name", "last_name", "phone"]


# --- Exports of other products ------------------------------------------------------------------------


def test_google_contacts_old_export():
    assert _mapped(GOOGLE_OLD) == {
        "Given Name": "first_name",
        "Family Name": "last_name",
        "Birthday": "birth_date",
        "Gender": "gender",
        "Group Membership": "group",
        "E-mail 1 - Value": "email",
        "Phone 1 - Value": "phone",
    }


def test_google_contacts_2023_export():
    assert _mapped(GOOGLE_NEW) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Birthday": "birth_date",
        "Labels": "group",
        "E-mail 1 - Value": "email",
        "Phone 1 - Value": "phone",
    }


def test_outlook_export_takes_the_mobile_phone_over_business_and_home():
    assert _mapped(OUTLOOK) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Mobile Phone": "phone",
        "Anniversary": "additional_date",
        "Birthday": "birth_date",
        "Categories": "group",
        "E-mail Address": "email",
        "Gender": "gender",
    }


def test_outlook_without_a_mobile_column_takes_a_landline():
    assert suggest_mapping(["First Name", "Home Phone", "Business Phone"]) == ["first_name", "phone", None]


def test_salesforce_report_export():
    assert _mapped(SALESFORCE) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Mobile": "phone",
        "Email": "email",
        "Birthdate": "birth_date",
        "Contact ID": "external_ref",
        "Created Date": "registration_date",
    }


# --- Near misses, custom fields, groups, the unrelated ---------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Emial", "email"),
        ("Frist name", "first_name"),
        ("Lsat Name", "last_name"),
        ("Phnoe", "phone"),
        ("Brithday", "birth_date"),
        ("Emailadres", "email"),
        ("טלפון נייד.", "phone"),
        ("טלפון ניד", "phone"),
        ("תאריך לדה", "birth_date"),
        ("שם משפחא", "last_name"),
    ],
)
def test_near_misses_are_recognised(header, field):
    assert suggest_mapping([header]) == [field]


def test_custom_fields_by_hebrew_label_api_name_or_near_miss():
    custom = [("city", "עיר מגורים"), ("Text1", "Text1"), ("vip_level", "רמת VIP")]
    headers = ["עיר מגורים", "text 1", "רמת ויפ", "רמת VIP", "טלפון"]
    assert suggest_mapping(headers, custom) == ["custom:city", "custom:Text1", None, "custom:vip_level", "phone"]


def test_a_custom_label_near_miss():
    assert suggest_mapping(["עיר מגוריים"], [("city", "עיר מגורים")]) == ["custom:city"]


def test_three_group_columns_and_no_fourth():
    headers = ["טלפון", "שיוך לקבוצה", "שיוך לקבוצה", "Group 3", "Group 4"]
    assert suggest_mapping(headers) == ["phone", "group", "group", "group", None]


def test_each_field_takes_one_column_the_first_wins():
    assert suggest_mapping(["Email", "E-mail", "Phone", "Phone"]) == ["email", None, "phone", None]


def test_an_exact_match_beats_an_earlier_near_miss():
    assert suggest_mapping(["Emial", "Email"]) == [None, "email"]


@pytest.mark.parametrize(
    "header",
    [
        "Notes",
        "הערות",
        "Company",
        "City",
        "עיר",
        "Additional Name",
        "Middle Name",
        "Nickname",
        "Column 4",
        "",
        "שדה מיוחד",
    ],
)
def test_unrelated_headers_stay_unmapped(header):
    assert suggest_mapping([header]) == [None]


def test_custom_field_named_like_an_ignored_column_is_still_mapped():
    assert suggest_mapping(["Notes"], [("notes", "Notes")]) == ["custom:notes"]


# --- Remembering a mapping -----------------------------------------------------------------------------


def test_signature_ignores_order_case_and_punctuation():
    assert mapping_signature(["שם", "Phone", "E-mail"]) == mapping_signature(["email", "שם", "PHONE "])
    assert len(mapping_signature(["a"])) == 64


def test_signature_changes_with_the_columns():
    assert mapping_signature(["שם", "Phone"]) != mapping_signature(["שם", "Phone", "Email"])
    assert mapping_signature(["Group", "Group"]) != mapping_signature(["Group"])


def test_a_saved_mapping_is_restored_for_the_same_columns_in_another_order():
    saved = mapping_save(["Phone", "Group", "Notes", "Group"], ["phone", "group", None, "group"])
    assert mapping_restore(["notes", "group", "PHONE", "group"], saved) == [None, "group", "phone", "group"]
    assert mapping_restore(["Phone", "Group"], saved) is None
