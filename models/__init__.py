"""Peewee models, one module per domain; `db` is bound late by create_app()."""
from models.account import AccountText
from models.account import AutoReplyRule
from models.account import FollowerImport
from models.account import InboundMessage
from models.account import OutboundMessage
from models.audit import AuditEntry
from models.cases import Case
from models.cases import CaseCounter
from models.cases import CaseEvent
from models.cases import CaseFollower
from models.cases import CasePhoto
from models.community import Building
from models.community import Community
from models.community import Estate
from models.community import Grid
from models.community import Unit
from models.console import LoginAttempt
from models.content import Article
from models.content import ArticleDailyStat
from models.content import ArticleImage
from models.content import Comment
from models.content import CommentCursor
from models.content import FollowerDailyStat
from models.content import Notice
from models.content import ResidentTag
from models.content import SensitiveWord
from models.content import WeChatTag
from models.coupons import Campaign
from models.coupons import CampaignAudience
from models.coupons import Coupon
from models.coupons import CouponHolding
from models.coupons import RedemptionAttempt
from models.db import db
from models.decisions import Consultation
from models.decisions import Vote
from models.households import Household
from models.limits import RateCounter
from models.merchants import Merchant
from models.merchants import MerchantStaff
from models.miniprogram import FilingKey
from models.miniprogram import MpSession
from models.miniprogram import Upload
from models.notifications import Notification
from models.notifications import TemplateConsent
from models.people import Resident
from models.people import RoleAssignment
from models.people import SigninLink
from models.people import Staff
from models.proposals import Proposal
from models.proposals import ProposalComment
from models.proposals import ProposalSupport
from models.rounds import DoorRound
from models.rounds import LeaderTask
from models.rounds import LeaderTaskAck
from models.rounds import RoundHousehold
from models.rounds import RoundMark
from models.screens import ScreenLink
from models.staff_wechat import StaffActionKey
from models.staff_wechat import StaffBindingCode
from models.staff_wechat import StaffUpload
from models.volunteers import Activity
from models.volunteers import ActivityRole
from models.volunteers import CallAnswer
from models.volunteers import Signup
from models.volunteers import Team
from models.volunteers import TeamMember
from models.volunteers import UrgentCall
from models.volunteers import VolunteerMessage
from models.wechat import AccessToken
from models.wechat import SeenPush
from models.workflow import CalendarDay
from models.workflow import CannedReply
from models.workflow import Category
from models.workflow import DutyRoster
from models.workflow import SlaPolicy

ALL_MODELS = [
    Community, Estate, Grid, Building, Unit,
    Staff, Resident, RoleAssignment, SigninLink, Household,
    Merchant, MerchantStaff,
    AccessToken,
    InboundMessage, OutboundMessage, AutoReplyRule, AccountText, FollowerImport,
    Category, SlaPolicy, CalendarDay, CannedReply, DutyRoster,
    Case, CasePhoto, CaseEvent, CaseFollower, CaseCounter,
    Proposal, ProposalSupport, ProposalComment,
    Consultation, Vote,
    Team, TeamMember, Activity, ActivityRole, Signup, UrgentCall, CallAnswer, VolunteerMessage,
    DoorRound, RoundHousehold, RoundMark, LeaderTask, LeaderTaskAck,
    MpSession, Upload, FilingKey, Notification,
    Campaign, CampaignAudience, Coupon, CouponHolding, RedemptionAttempt,
    Article, ArticleImage, WeChatTag, ResidentTag, Notice, ArticleDailyStat, FollowerDailyStat,
    CommentCursor, Comment, SensitiveWord, LoginAttempt, AuditEntry,
    RateCounter,
    SeenPush,
    TemplateConsent,
    ScreenLink,
    StaffBindingCode, StaffActionKey, StaffUpload,
]

__all__ = [m.__name__ for m in ALL_MODELS] + ["ALL_MODELS", "db"]
