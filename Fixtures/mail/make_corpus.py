#!/usr/bin/env python3
"""Writes the Maildir fixture corpus of 华信软件 (hxsoft.cn) and its expected ledger.

The messages and, for each one, the activities it is expected to yield are written out by
hand below (column `expect`): they were derived message by message from shared/DOMAIN.md and
are NOT computed here. This script only renders them: the message files (CRLF, encoded
headers), EXPECTED.md and expected.json. Re-running it rewrites the corpus identically.

    python3 Fixtures/mail/make_corpus.py && python3 Fixtures/mail/check_corpus.py
"""
import base64
import hashlib
import json
import os
import re
import shutil
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
SH = ZoneInfo("Asia/Shanghai")
CRLF = "\r\n"

REPS = {
    "alice": {"name": "王丽", "emails": ["alice@hxsoft.cn", "wangli@hxsoft.cn"], "team": "east",
              "sent": ".Sent", "sent_name": "Sent"},
    "bob": {"name": "张伟", "emails": ["bob@hxsoft.cn", "zhangwei@hxsoft.cn"], "team": "east",
            "sent": ".&XfJT0ZAB-", "sent_name": "已发送"},
    "carol": {"name": "Carol Chen", "emails": ["carol@hxsoft.cn"], "team": "north",
              "sent": ".Sent", "sent_name": "Sent"},
}

# People. name, address
P = {
    "alice": ("王丽", "alice@hxsoft.cn"),
    "wangli": ("王丽", "wangli@hxsoft.cn"),
    "bob": ("张伟", "bob@hxsoft.cn"),
    "zhangwei": ("张伟", "zhangwei@hxsoft.cn"),
    "carol": ("Carol Chen", "carol@hxsoft.cn"),
    "zhao": ("赵建国", "zhao@hxsoft.cn"),
    # alice's customers
    "liming": ("李明", "li.ming@huawei.com"),
    "chenjing": ("陈静", "chen.jing@huawei.com"),
    "wuqiang": ("吴强", "wu.qiang@sales.acme.com.cn"),
    "zhanglei": ("张磊", "zhang.lei@it.acme.com.cn"),
    "tom": ("Tom Harris", "tom.harris@brightwave.co.uk"),
    "bw_noreply": ("Brightwave Support", "noreply@brightwave.co.uk"),
    "liuyang": ("刘洋", "liu.yang@kjj.hangzhou.gov.cn"),
    "chenjie": ("陈杰", "chenjie1988@qq.com"),
    "linxy": ("林晓燕", "lin.xiaoyan@vip.163.com"),
    "sunhao": ("孙浩", "sunhao@cs.zju.edu.cn"),
    "zhouming": ("周明", "zhou.ming@nbport.com.cn"),
    "nb_daemon": ("Mail Delivery System", "MAILER-DAEMON@mx.nbport.com.cn"),
    "infoq": ("InfoQ 中文站", "newsletter@infoq.cn"),
    "hdx": ("活动行", "market@huodongxing.com"),
    "kr36": ("36氪企服点评", "news@36kr.com"),
    # bob's customers
    "wanghua": ("王华", "wang.hua@js.chinamobile.com"),
    "zhoumin": ("周敏", "zhou.min@bj.chinamobile.com"),
    "cm_notif": ("江苏移动采购与招投标平台", "notifications@js.chinamobile.com"),
    "seo": ("优化网络科技", "biz@youhua-seo.com"),
    "david": ("David Lee", "david.lee.sz@gmail.com"),
    "chris": ("陳志明 Chris Chan", "chris.chan@pacificlink.com.hk"),
    "zhoukai": ("周凯", "zhou.kai@huawei.com"),
    "qianwei": ("钱伟", "qian.wei@xinyuan-pharma.com.cn"),
    "sunli": ("孙莉", "sun.li@xinyuan-pharma.com.cn"),
    "liufang": ("刘芳", "liu_fang@163.com"),
    "crmlist": ("CRM 用户组", "crm-users@lists.osc.org.cn"),
    # carol's customers
    "zhangyu": ("张宇", "zhang.yu@its.pku.edu.cn"),
    "lina": ("李娜", "li.na@bj.ccb.com"),
    "mike": ("Mike Zhang", "mike.zhang.bj@gmail.com"),
    "jpark": ("Jennifer Park", "jpark@northwind-logistics.com"),
    "nw_support": ("Northwind Support", "support@northwind-logistics.com"),
    "wangjj": ("王建军", "2851736624@qq.com"),
    "liujun": ("刘军", "liu.jun@bjhengtong.com.cn"),
    "ccgp": ("北京市政府采购网", "service@ccgp-beijing.gov.cn"),
}

# Org key of each external address, written by hand (check_corpus.py verifies them against
# the Public Suffix List); None = an automated address (noreply, mailer-daemon, notifications…),
# never an external party.
ORG = {
    "li.ming@huawei.com": "huawei.com", "chen.jing@huawei.com": "huawei.com", "zhou.kai@huawei.com": "huawei.com",
    "wu.qiang@sales.acme.com.cn": "acme.com.cn", "zhang.lei@it.acme.com.cn": "acme.com.cn",
    "tom.harris@brightwave.co.uk": "brightwave.co.uk", "noreply@brightwave.co.uk": None,
    "liu.yang@kjj.hangzhou.gov.cn": "hangzhou.gov.cn",
    "chenjie1988@qq.com": "chenjie1988@qq.com", "lin.xiaoyan@vip.163.com": "lin.xiaoyan@vip.163.com",
    "sunhao@cs.zju.edu.cn": "zju.edu.cn", "zhou.ming@nbport.com.cn": "nbport.com.cn",
    "MAILER-DAEMON@mx.nbport.com.cn": None, "newsletter@infoq.cn": "infoq.cn", "market@huodongxing.com": "huodongxing.com",
    "news@36kr.com": "36kr.com",
    "wang.hua@js.chinamobile.com": "chinamobile.com", "zhou.min@bj.chinamobile.com": "chinamobile.com",
    "notifications@js.chinamobile.com": None, "biz@youhua-seo.com": "youhua-seo.com",
    "david.lee.sz@gmail.com": "david.lee.sz@gmail.com", "chris.chan@pacificlink.com.hk": "pacificlink.com.hk",
    "qian.wei@xinyuan-pharma.com.cn": "xinyuan-pharma.com.cn", "sun.li@xinyuan-pharma.com.cn": "xinyuan-pharma.com.cn",
    "liu_fang@163.com": "liu_fang@163.com", "crm-users@lists.osc.org.cn": "osc.org.cn",
    "zhang.yu@its.pku.edu.cn": "pku.edu.cn", "li.na@bj.ccb.com": "ccb.com",
    "mike.zhang.bj@gmail.com": "mike.zhang.bj@gmail.com", "jpark@northwind-logistics.com": "northwind-logistics.com",
    "support@northwind-logistics.com": "northwind-logistics.com", "2851736624@qq.com": "2851736624@qq.com",
    "liu.jun@bjhengtong.com.cn": "bjhengtong.com.cn", "service@ccgp-beijing.gov.cn": "ccgp-beijing.gov.cn",
}
# Messages whose sender is automated by headers (not by address): the column says so.
AUTOMATED_BY_HEADER = {"a04", "a08", "a16", "a17", "a35", "b23", "c16", "c23"}

SIGS = {
    "alice": "王丽 | 华东区销售经理\r\n华信软件 hxsoft.cn | 138 1620 7731",
    "bob": "张伟 | 华东区客户经理\r\n华信软件 hxsoft.cn | 139 1266 0452",
    "carol": "Carol Chen | 华北区销售经理\r\n华信软件 hxsoft.cn | +86 186 1033 2907",
}

# ---------------------------------------------------------------------------------------
# The corpus. One entry per message (a message in two folders is one entry with two
# folders). Fields:
#   key       local name, also used for threading (`parent`)
#   rep       mailbox owner; `folders` INBOX and/or SENT
#   at        intended time, Asia/Shanghai "YYYY-MM-DD HH:MM"
#   tz        zone the Date header is written in (default +08:00)
#   frm,to,cc keys into P
#   subject   decoded subject; `enc`: raw (RFC 6532 UTF-8), b (UTF-8 B), gbk (GBK B),
#             gb2312q (GB2312 Q), big5 (Big5 B), ascii
#   expect    hand-derived activities "kind org" (lead included); `why` the DOMAIN.md reason
# ---------------------------------------------------------------------------------------
M = []


def msg(**kw):
    kw.setdefault("cc", [])
    kw.setdefault("enc", "raw")
    kw.setdefault("expect", [])
    kw.setdefault("extra", [])
    kw.setdefault("cte", "8bit")
    kw.setdefault("flags", "S")
    M.append(kw)


# ============================== alice (王丽) ==============================
msg(key="a01", rep="alice", folders=["SENT"], at="2025-06-10 10:20", frm="alice", to=["tom"],
    subject="Introduction: HX CRM for UK distributors", enc="ascii",
    body="Dear Tom,\r\n\r\nThank you for your time at the Shanghai trade fair. As promised, here is a short\r\n"
         "introduction to HX CRM and our references with distributors in Europe.\r\n\r\nBest regards,\r\nWang Li (Alice)",
    expect=["lead brightwave.co.uk", "contact brightwave.co.uk"],
    why="Outbound, no closing/onboarding/payment keyword, no earlier activity → contact (Classification mail 1); org first seen → lead (Leads).")
msg(key="a02", rep="alice", folders=["SENT"], at="2026-01-12 09:30", frm="alice", to=["wuqiang"],
    subject="新年问候及华信CRM产品资料", enc="b",
    body="吴经理您好：\r\n\r\n新年快乐！附上华信CRM最新产品资料，供贵司信息化规划参考。\r\n如有任何问题欢迎随时联系。",
    expect=["lead acme.com.cn", "contact acme.com.cn"],
    why="Outbound to sales.acme.com.cn → org acme.com.cn (PSL); no keyword (产品资料 is none), first activity → contact + lead.")
msg(key="a03", rep="alice", folders=["SENT"], at="2026-11-02 09:15", frm="alice", to=["liming"], cc=["bob"],
    subject="华为云项目合作初步沟通", enc="raw",
    body="李经理您好：\r\n\r\n我是华信软件华东区的王丽。想就华为云ERP集成项目与您做一次初步沟通，\r\n"
         "本周三或周四下午是否方便？\r\n\r\n同事张伟抄送。",
    expect=["lead huawei.com", "contact huawei.com"],
    why="Outbound to huawei.com (bob@ in Cc is internal), no earlier activity → contact; new org → lead.")
msg(key="a04", rep="alice", folders=["INBOX"], at="2026-11-02 10:40", frm="infoq", to=["alice"],
    subject="InfoQ 每周精选：企业级SaaS实施的十个坑", enc="b", cte="base64",
    extra=["List-Id: InfoQ China Weekly <weekly.infoq.cn>",
           "List-Unsubscribe: <https://www.infoq.cn/unsubscribe?u=8f3a2c>, <mailto:unsubscribe@infoq.cn>",
           "List-Unsubscribe-Post: List-Unsubscribe=One-Click"],
    body="本周精选：企业级SaaS实施的十个坑；从报价到回款，销售流程如何数字化……",
    why="Automated: List-Id and List-Unsubscribe (Identity). The 实施 keyword is irrelevant.")
msg(key="a05", rep="alice", folders=["INBOX"], at="2026-11-02 14:05", frm="chenjie", to=["alice"],
    subject="咨询一下你们的进销存软件价格", enc="b", flags="RS",
    body="你好，我们是一家做五金批发的小公司，想了解一下你们的进销存软件，\r\n大概多少钱一年？支持手机开单吗？\r\n\r\n陈杰",
    why="Inbound from chenjie1988@qq.com before any outbound contact → nothing, and no lead (Precise rules: Contacted, History).")
msg(key="a06", rep="alice", folders=["SENT"], at="2026-11-02 16:30", frm="alice", to=["chenjie"], parent="a05",
    subject="Re: 咨询一下你们的进销存软件价格", enc="b",
    body="陈总您好：\r\n\r\n感谢咨询！我们的进销存小微企业版支持手机开单，5用户每年3800元。\r\n方便的话明天给您电话详细介绍。",
    expect=["lead chenjie1988@qq.com", "contact chenjie1988@qq.com"],
    why="Outbound reply; freemail → org key is the whole address; no earlier counted activity (a05 left none) → contact + lead.")
msg(key="a07", rep="alice", folders=["SENT"], at="2026-11-03 09:10", frm="alice", to=["liuyang"],
    subject="关于杭州市智慧园区平台投标事宜的沟通", enc="b",
    body="刘处长您好：\r\n\r\n获悉贵局智慧园区平台项目即将公开招标，我司希望参与投标，\r\n想先了解一下技术需求与时间安排。",
    expect=["lead hangzhou.gov.cn", "closing hangzhou.gov.cn"],
    why="Outbound, subject has 投标 (closing keyword) → closing; kjj.hangzhou.gov.cn → hangzhou.gov.cn (gov.cn is a public suffix); new → lead.")
msg(key="a08", rep="alice", folders=["INBOX"], at="2026-11-03 09:11", frm="liuyang", to=["alice"], parent="a07",
    subject="自动答复：关于杭州市智慧园区平台投标事宜的沟通", enc="b",
    extra=["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"],
    body="您好，我11月3日至11月13日出差在外，邮件回复可能延迟。急事请致电局办公室。",
    why="Automated: Auto-Submitted: auto-replied (out of office). Otherwise it would have been the qualified reply.")
msg(key="a09", rep="alice", folders=["INBOX"], at="2026-11-03 15:20", frm="chenjie", to=["alice"], parent="a06",
    subject="Re: 咨询一下你们的进销存软件价格", enc="b", flags="RS",
    body="好的，明天下午三点以后都可以，电话 137 xxxx 2231。",
    expect=["qualified chenjie1988@qq.com"],
    why="First inbound from the org after alice contacted it (a06) → qualified (Classification mail 2).")
msg(key="a10", rep="alice", folders=["INBOX"], at="2026-11-04 10:00", frm="liming", to=["alice"], cc=["bob"], parent="a03",
    subject="答复: 华为云项目合作初步沟通", enc="b",
    body="王经理好，\r\n\r\n周四下午两点可以，我们这边采购和IT各来一位同事。\r\n\r\n李明",
    expect=["qualified huawei.com"],
    why="First inbound from huawei.com after a03 → qualified.")
msg(key="a11", rep="alice", folders=["SENT"], at="2026-11-04 14:00", frm="wangli", to=["zhanglei"],
    subject="华信CRM系统升级方案沟通", enc="raw",
    body="张工您好：\r\n\r\n吴经理介绍您负责贵司CRM升级，附件是我们的升级方案初稿，请您过目。",
    expect=["follow_up acme.com.cn"],
    why="Outbound (wangli@ is alice's) to it.acme.com.cn → acme.com.cn, known since a02 (2026-01-12) → follow_up; no lead: seen within 365 days, and a new address at a known org never yields one.")
msg(key="a12", rep="alice", folders=["SENT"], at="2026-11-05 09:30", frm="alice", to=["liming"], cc=["chenjing"],
    subject="邀请：产品演示 - 华为云（2026-11-12 14:00）", enc="b", kind="invite",
    body="李经理、陈经理：\r\n\r\n附上下周四的产品演示会议邀请，地点在贵司松山湖会议室。",
    expect=["follow_up huawei.com"],
    event="demo huawei.com 2026-W46 (DTSTART 2026-11-12 14:00 Asia/Shanghai, UID hx-demo-20261112-huaweicloud@hxsoft.cn)",
    why="Mail part: outbound; 演示 is a demo keyword, which a mail subject never turns into a demo (Classification mail 1), so no closing/onboarding/payment keyword and huawei.com is known → follow_up. Event part: see the invitation section.")
msg(key="a13", rep="alice", folders=["SENT"], at="2026-11-05 17:45", frm="alice", to=["zhao"],
    subject="本周客户拜访及报价进展汇报", enc="raw",
    body="赵总：\r\n\r\n本周新接触华为云、杭州科技局两家，华为云下周四做演示，下周一发报价。",
    why="Internal only (zhao@hxsoft.cn): no external party → nothing, despite 拜访/报价.")
msg(key="a14", rep="alice", folders=["INBOX"], at="2026-11-06 10:15", frm="zhao", to=["alice", "bob"], cc=["carol"],
    subject="关于11月销售例会的通知", enc="b", msgid_override="<20261106101500.5b1e0c@hxsoft.cn>",
    body="各位：\r\n\r\n11月销售例会定于11月9日（周一）上午9点，请准备各自客户推进情况。\r\n\r\n赵建国",
    why="Inbound from internal zhao@hxsoft.cn → nothing.")
msg(key="a15", rep="alice", folders=["SENT"], at="2026-11-06 14:00", frm="alice", to=["zhouming"],
    subject="宁波港集团 CRM 选型交流", enc="b",
    body="周主任您好：\r\n\r\n听说集团正在做CRM选型，我司在港航物流行业有多个案例，希望有机会交流。",
    expect=["lead nbport.com.cn", "contact nbport.com.cn"],
    why="Outbound to nbport.com.cn, new → contact + lead. It bounced (a16), but DOMAIN has no delivery rule: the sent mail counts (judgement call J1).")
msg(key="a16", rep="alice", folders=["INBOX"], at="2026-11-06 14:02", frm="nb_daemon", to=["alice"], kind="bounce",
    bounce_of="a15", subject="Undelivered Mail Returned to Sender", enc="ascii",
    body="This is the mail system at host mx.nbport.com.cn.\r\n\r\nI'm sorry to have to inform you that your message could not\r\n"
         "be delivered to one or more recipients.\r\n\r\n<zhou.ming@nbport.com.cn>: user unknown",
    why="Automated: multipart/report bounce from MAILER-DAEMON (Identity). Not qualified for nbport.com.cn.")
msg(key="a17", rep="alice", folders=["INBOX"], at="2026-11-06 16:00", frm="hdx", to=["alice"],
    subject="免费公开课：销售团队数字化培训（11月20日 上海）", enc="gbk", cte="base64",
    extra=["Precedence: bulk"],
    body="尊敬的王丽：\r\n\r\n诚邀您参加11月20日在上海举办的销售团队数字化公开课，名额有限。",
    why="Automated: Precedence: bulk (no List-* headers on this one). 培训 irrelevant.")
msg(key="a18", rep="alice", folders=["SENT"], at="2026-11-07 11:20", frm="wangli", to=["linxy"],
    subject="华信进销存软件 — 小微企业版介绍", enc="raw",
    body="林总您好：\r\n\r\n感谢您在展会上留下联系方式，附上小微企业版的介绍和价格表。",
    expect=["lead lin.xiaoyan@vip.163.com", "contact lin.xiaoyan@vip.163.com"],
    why="Outbound to vip.163.com: freemail subdomains count as freemail (Precise rules: Freemail) → org is the whole address; new → contact + lead.")
# --- W46
msg(key="a19", rep="alice", folders=["SENT", "INBOX"], at="2026-11-09 09:00", frm="alice", to=["liming"], bcc=["alice"],
    subject="华为云 ERP 集成报价（第一版）", enc="b",
    body="李经理您好：\r\n\r\n附件为华为云ERP集成项目报价（第一版），含实施与一年运维。\r\n报价有效期30天，期待您的反馈。",
    expect=["closing huawei.com"],
    why="Outbound, 报价 → closing. Alice Bcc'd herself: the same Message-ID is in Sent and INBOX and counts once (Dedup). Thread T1 starts here.")
msg(key="a20", rep="alice", folders=["SENT"], at="2026-11-09 10:30", frm="alice", to=["tom"],
    subject="HX CRM annual licence quotation 2027", enc="ascii",
    body="Dear Tom,\r\n\r\nPlease find attached our quotation for the 2027 HX CRM licences (25 seats),\r\n"
         "including the upgrade to version 6.\r\n\r\nBest regards,\r\nAlice",
    expect=["lead brightwave.co.uk", "closing brightwave.co.uk"],
    why="Outbound, 'quotation' (ASCII keyword, word boundary) → closing. brightwave.co.uk (co.uk is a public suffix) was last seen 2025-06-10, 517 days earlier > lead_lookback_days 365 → a new lead.")
msg(key="a21", rep="alice", folders=["INBOX"], at="2026-11-09 10:31", frm="bw_noreply", to=["alice"], parent="a20",
    subject="[Ticket #4411] We have received your message", enc="ascii",
    body="Thank you for contacting Brightwave. Your request has been logged as ticket #4411.\r\nPlease do not reply to this email.",
    why="Automated: sender local part noreply (Identity); would otherwise be brightwave's qualified reply in W46.")
msg(key="a22", rep="alice", folders=["INBOX"], at="2026-11-10 11:00", frm="liming", to=["alice"], parent="a19",
    subject="答复: 华为云 ERP 集成报价（第一版）", enc="b",
    body="王经理，实施人天是否还有空间？另外运维能否按季度付款？",
    why="Inbound from huawei.com, already qualified (a10) → nothing (qualified is once per rep and org).")
msg(key="a23", rep="alice", folders=["SENT"], at="2026-11-10 15:30", frm="alice", to=["liming"], parent="a22",
    subject="Re: 答复: 华为云 ERP 集成报价（第一版）", enc="b",
    body="李经理，实施人天可以下调10%，运维按季度付款没有问题，我更新报价后再发您。",
    why="Outbound closing (报价) in thread T1, which already has a closing in 2026-W46 (a19) → no further activity (Classification mail 4).")
msg(key="a24", rep="alice", folders=["INBOX"], at="2026-11-10 16:00", frm="zhanglei", to=["wangli"], parent="a11",
    subject="回复：华信CRM系统升级方案沟通", enc="b",
    body="王经理，方案看过了，整体可以。数据迁移部分下周我们内部评审后再约您。",
    expect=["qualified acme.com.cn"],
    why="First inbound from acme.com.cn; alice contacted it before (a02 in January, a11) → qualified.")
msg(key="a25", rep="alice", folders=["SENT"], at="2026-11-11 10:00", frm="alice", to=["liming"], cc=["sunhao"],
    subject="华为云 × 浙江大学 联合实验室合作方案", enc="b",
    body="李经理、孙教授：\r\n\r\n关于三方联合实验室，附上初步合作方案，请两位提意见。",
    expect=["follow_up huawei.com", "lead zju.edu.cn"],
    why="Outbound to two orgs: credited to the first external org, huawei.com (To before Cc), which is known → follow_up, with zju.edu.cn listed; zju.edu.cn (cs.zju.edu.cn, edu.cn suffix) is new → its own lead and it gains history (Precise rules: Several organisations).")
msg(key="a26", rep="alice", folders=["INBOX"], at="2026-11-11 16:00", frm="liming", to=["alice"], parent="a23",
    subject="答复: Re: 答复: 华为云 ERP 集成报价（第一版）", enc="b",
    body="好的，等您更新后的版本。",
    why="Inbound, huawei.com already qualified → nothing.")
msg(key="a27", rep="alice", folders=["SENT"], at="2026-11-12 09:00", frm="alice", to=["liming"], parent="a26",
    subject="Re: 答复: Re: 答复: 华为云 ERP 集成报价（第一版）", enc="b",
    body="李经理，更新后的报价见附件（第二版）。",
    why="Outbound closing in thread T1, already counted in 2026-W46 → nothing.")
msg(key="a28", rep="alice", folders=["INBOX"], at="2026-11-12 17:00", frm="sunhao", to=["alice"], parent="a25",
    subject="Re: 华为云 × 浙江大学 联合实验室合作方案", enc="raw",
    body="王经理：\r\n\r\n方案收到，实验室这边很感兴趣，下周可以先开个线上会。\r\n\r\n孙浩",
    expect=["qualified zju.edu.cn"],
    why="First inbound from zju.edu.cn after alice's outbound a25 (Cc counts as outbound mail to the org: Precise rules: Contacted) → qualified.")
msg(key="a29", rep="alice", folders=["SENT"], at="2026-11-13 10:00", frm="alice", to=["sunhao"],
    subject="浙大联合实验室：合作框架协议草稿", enc="b",
    body="孙教授：\r\n\r\n附上合作框架协议草稿，另外下周二上午的线上会议我来发邀请。",
    expect=["follow_up zju.edu.cn"],
    why="Outbound, new thread, no closing/onboarding/payment keyword (协议 is none); zju.edu.cn has history since a25 → follow_up.")
msg(key="a30", rep="alice", folders=["INBOX"], at="2026-11-13 14:00", frm="linxy", to=["wangli"], parent="a18",
    subject="Re: 华信进销存软件 — 小微企业版介绍", enc="b",
    body="王经理你好，价格我们能接受，想先让财务看一下，下周回复你。",
    expect=["qualified lin.xiaoyan@vip.163.com"],
    why="First inbound from that address-org after a18 → qualified.")
msg(key="a31", rep="alice", folders=["INBOX"], at="2026-11-14 10:00", frm="zhao", to=["alice"],
    subject="Fwd: 华为云项目立项审批", enc="b",
    body="王丽：华为云项目已立项，报价审批走OA即可。\r\n\r\n---------- 转发的邮件 ----------\r\n主题：华为云项目立项审批",
    why="Inbound from internal zhao@ → nothing.")
# --- W47
msg(key="a32", rep="alice", folders=["INBOX"], at="2026-11-16 02:20", tz="+00:00", frm="tom", to=["alice"], parent="a20",
    subject="Re: HX CRM annual licence quotation 2027", enc="ascii",
    body="Hi Alice,\r\n\r\nThanks for the quote. We'd like to go ahead with 25 seats; our procurement will\r\nsend the PO next week.\r\n\r\nTom",
    expect=["qualified brightwave.co.uk"],
    why="Date is Sun 15 Nov 2026 18:20 +0000 = Mon 16 Nov 02:20 Asia/Shanghai → 2026-W47 (not W46). First inbound from brightwave.co.uk after a01/a20 → qualified.")
msg(key="a33", rep="alice", folders=["SENT"], at="2026-11-16 09:30", frm="alice", to=["liming"], parent="a27",
    subject="Re: 答复: Re: 答复: 华为云 ERP 集成报价（第一版）", enc="b",
    body="李经理，第二版报价您这边评审得如何？如需调整本周内可以再出一版。",
    expect=["closing huawei.com"],
    why="Outbound closing in thread T1 — a new ISO week (W47), so the thread yields one closing again (a thread spanning two weeks counts once per week).")
msg(key="a34", rep="alice", folders=["INBOX"], at="2026-11-16 11:00", frm="liming", to=["alice"], parent="a33",
    subject="答复: Re: 答复: Re: 答复: 华为云 ERP 集成报价（第一版）", enc="b",
    body="第二版可以，我们走合同流程。",
    why="Inbound, huawei.com already qualified → nothing.")
msg(key="a36", rep="alice", folders=["SENT"], at="2026-11-17 10:00", frm="alice", to=["liming", "chenjing"],
    subject="华为云 ERP 集成项目合同草案", enc="raw",
    body="李经理、陈经理：\r\n\r\n附上合同草案，请贵司法务审阅。",
    expect=["closing huawei.com"],
    why="Outbound, 合同 → closing. A new thread (no In-Reply-To/References), so it is not merged with a33's closing of the same org and week (Precise rules: Threads).")
msg(key="a35", rep="alice", folders=["INBOX"], at="2026-11-17 08:00", frm="kr36", to=["alice"],
    subject="36氪企服点评｜本周SaaS融资与报价趋势", enc="b", cte="base64",
    extra=["List-Unsubscribe: <https://36kr.com/edm/unsubscribe?t=a91c77>"],
    body="本周SaaS行业融资与报价趋势速览。",
    why="Automated: List-Unsubscribe (only that header).")
msg(key="a37", rep="alice", folders=["INBOX"], at="2026-11-17 14:30", frm="liuyang", to=["alice"], parent="a07",
    subject="回复：关于杭州市智慧园区平台投标事宜的沟通", enc="b",
    body="王经理：出差刚回来。招标文件预计12月初挂网，技术需求附后供参考。\r\n\r\n刘洋",
    expect=["qualified hangzhou.gov.cn"],
    why="First human inbound from hangzhou.gov.cn after a07 (the auto-reply a08 left nothing) → qualified in W47.")
msg(key="a38", rep="alice", folders=["SENT"], at="2026-11-18 10:00", frm="alice", to=["zhanglei"], cc=["wuqiang"],
    subject="艾克米 CRM 升级项目 kickoff 会议安排", enc="b",
    body="张工、吴经理：\r\n\r\n合同已盖章，项目启动会定于11月24日上午10点，地点在贵司会议室。",
    expect=["onboarding acme.com.cn"],
    why="Outbound, 'kickoff' (ASCII keyword between spaces) → onboarding; acme.com.cn known, no lead.")
msg(key="a39", rep="alice", folders=["SENT"], at="2026-11-18 15:00", frm="alice", to=["chenjie"],
    subject="进销存软件首期款发票", enc="raw",
    body="陈总您好：\r\n\r\n首期款已收到，谢谢！发票已开出，电子发票见附件。",
    expect=["payment chenjie1988@qq.com"],
    why="Outbound, 首期款/发票 → payment.")
msg(key="a40", rep="alice", folders=["INBOX"], at="2026-11-19 09:00", frm="chenjie", to=["alice"], parent="a39",
    subject="Re: 进销存软件首期款发票", enc="b",
    body="收到，谢谢王经理。",
    why="Inbound, already qualified (a09) → nothing.")
msg(key="a41", rep="alice", folders=["SENT"], at="2026-11-19 10:30", frm="alice", to=["liuyang"], parent="a37",
    subject="Re: 回复：关于杭州市智慧园区平台投标事宜的沟通", enc="b",
    body="刘处长：技术需求收到，我们会按要求准备投标资料，有问题再向您请教。",
    expect=["closing hangzhou.gov.cn"],
    why="Outbound, 投标 → closing; thread root a07 (closing in W45) — W47 is a new week → one closing.")
msg(key="a42", rep="alice", folders=["SENT"], at="2026-11-20 11:00", frm="alice", to=["bob"],
    subject="华为项目合同评审，请协助", enc="raw",
    body="张伟：华为云合同草案下周评审，麻烦帮忙看一下实施条款。",
    why="Internal only (to bob@hxsoft.cn) → nothing.")
msg(key="a43", rep="alice", folders=["SENT"], at="2026-11-22 23:50", frm="wangli", to=["linxy"],
    subject="跟进：小微企业版试用反馈", enc="b",
    body="林总晚上好，财务那边看完了吗？试用账号本周已开通，有问题随时找我。",
    expect=["follow_up lin.xiaoyan@vip.163.com"],
    why="Sun 22 Nov 23:50 +0800 → still 2026-W47. Outbound; 试用 (demo) gives nothing in a mail subject, no closing/onboarding/payment keyword, org known → follow_up (跟进 would give the same).")

# ============================== bob (张伟) ==============================
msg(key="b01", rep="bob", folders=["SENT"], at="2026-02-03 10:00", frm="zhangwei", to=["qianwei"],
    subject="信远医药 CRM 项目合同（盖章版）", enc="gbk", xmailer="Foxmail 7.2.25.228[cn]",
    body="钱总您好：\r\n\r\n盖章版合同扫描件见附件，原件今天顺丰寄出。",
    expect=["lead xinyuan-pharma.com.cn", "closing xinyuan-pharma.com.cn"],
    why="Outbound, 合同 → closing; new org → lead. (2026-W06)")
msg(key="b02", rep="bob", folders=["INBOX"], at="2026-02-04 15:00", frm="qianwei", to=["zhangwei"], parent="b01",
    subject="回复: 信远医药 CRM 项目合同（盖章版）", enc="gbk",
    body="张经理，收到，谢谢。",
    expect=["qualified xinyuan-pharma.com.cn"],
    why="First inbound from xinyuan-pharma.com.cn after b01 → qualified (2026-W06). It is never qualified again (b20).")
msg(key="b03", rep="bob", folders=["INBOX"], at="2026-11-02 09:15", frm="alice", to=["liming"], cc=["bob"], same_as="a03",
    subject="华为云项目合作初步沟通", enc="raw",
    body="李经理您好：\r\n\r\n我是华信软件华东区的王丽。想就华为云ERP集成项目与您做一次初步沟通，\r\n"
         "本周三或周四下午是否方便？\r\n\r\n同事张伟抄送。",
    why="bob's copy (Cc) of alice's a03: From is alice, not bob → inbound from an internal sender → nothing for bob; huawei.com stays unknown to bob (reps are independent).")
msg(key="b04", rep="bob", folders=["SENT"], at="2026-11-02 11:00", frm="zhangwei", to=["wanghua"],
    subject="江苏移动客服系统改造项目初步沟通", enc="gbk", xmailer="Foxmail 7.2.25.228[cn]",
    body="王经理您好：\r\n\r\n我是华信软件的张伟，关于贵司客服系统改造项目，想约您做一次初步交流。",
    expect=["lead chinamobile.com", "contact chinamobile.com"],
    why="Outbound (zhangwei@ is bob's) to js.chinamobile.com → chinamobile.com; new → contact + lead.")
msg(key="b05", rep="bob", folders=["INBOX"], at="2026-11-03 09:00", frm="cm_notif", to=["bob"],
    subject="【江苏移动采购与招投标平台】供应商注册审核通知", enc="b",
    body="尊敬的供应商：贵司在江苏移动采购与招投标平台的注册信息已审核通过。本邮件由系统自动发送。",
    why="Automated: sender local part notifications (Identity). Would otherwise be chinamobile.com's qualified in W45.")
msg(key="b06", rep="bob", folders=["INBOX"], at="2026-11-03 10:20", frm="seo", to=["bob"],
    subject="网站SEO优化与百度推广合作", enc="gb2312q",
    body="张经理您好，我司专业从事网站SEO优化与百度推广，可为贵司提供免费诊断。",
    why="Cold inbound from youhua-seo.com, never contacted → nothing, no lead.")
msg(key="b06a", rep="bob", folders=["INBOX"], at="2026-11-04 10:00", frm="liming", to=["alice"], cc=["bob"], same_as="a10",
    parent="a03", subject="答复: 华为云项目合作初步沟通", enc="b",
    body="王经理好，\r\n\r\n周四下午两点可以，我们这边采购和IT各来一位同事。\r\n\r\n李明",
    why="bob's Cc copy of huawei.com's reply to alice (a10). Inbound from huawei.com, but bob has sent nothing to huawei.com yet → nothing for bob, and no lead (inbound before contact). Same Message-ID as a10, which is alice's qualified.")
msg(key="b07", rep="bob", folders=["SENT"], at="2026-11-04 14:00", frm="bob", to=["david"],
    subject="Quotation for HX ERP Lite (5 users)", enc="ascii",
    body="Hi David,\r\n\r\nAs discussed on WeChat, please find the quotation for HX ERP Lite, 5 users,\r\nannual subscription.\r\n\r\nBob Zhang",
    expect=["lead david.lee.sz@gmail.com", "closing david.lee.sz@gmail.com"],
    why="Outbound, 'quotation' → closing; gmail.com is freemail → org is the address; new → lead.")
msg(key="b08", rep="bob", folders=["INBOX"], at="2026-11-05 09:40", frm="david", to=["bob"], parent="b07",
    subject="Re: Quotation for HX ERP Lite (5 users)", enc="ascii",
    body="Hi Bob, looks good. Can you send the invoice details so our accountant can pay?\r\n\r\nDavid",
    expect=["qualified david.lee.sz@gmail.com"],
    why="First inbound after b07 → qualified.")
msg(key="b09", rep="bob", folders=["INBOX"], at="2026-11-05 16:00", frm="chris", to=["bob"],
    subject="查詢：華信CRM香港代理合作", enc="big5", flags="RS",
    body="張先生您好：\r\n\r\n我們是香港一家IT方案商，想了解華信CRM在香港的代理合作條件。\r\n\r\n陳志明",
    why="Cold inbound (Big5 subject) from pacificlink.com.hk before any contact → nothing, no lead.")
msg(key="b10", rep="bob", folders=["SENT"], at="2026-11-06 10:00", frm="bob", to=["chris"], parent="b09",
    subject="Re: 查詢：華信CRM香港代理合作", enc="b",
    body="陈先生您好：\r\n\r\n感谢关注！附上我们的渠道合作政策，欢迎进一步沟通。",
    expect=["lead pacificlink.com.hk", "contact pacificlink.com.hk"],
    why="Outbound to pacificlink.com.hk (com.hk suffix), no earlier counted activity → contact + lead.")
msg(key="b11", rep="bob", folders=["INBOX"], at="2026-11-06 10:15", frm="zhao", to=["alice", "bob"], cc=["carol"], same_as="a14",
    subject="关于11月销售例会的通知", enc="b",
    body="各位：\r\n\r\n11月销售例会定于11月9日（周一）上午9点，请准备各自客户推进情况。\r\n\r\n赵建国",
    why="Inbound internal (same message as alice's a14) → nothing.")
# --- W46
msg(key="b12", rep="bob", folders=["SENT"], at="2026-11-09 09:30", frm="zhangwei", to=["wanghua"],
    subject="江苏移动客服系统改造项目报价", enc="gbk", xmailer="Foxmail 7.2.25.228[cn]",
    body="王经理您好：\r\n\r\n附件为客服系统改造项目报价，包含软件许可、实施与三年维保。",
    expect=["closing chinamobile.com"],
    why="Outbound, 报价 → closing. Thread T2 starts here.")
msg(key="b13", rep="bob", folders=["INBOX"], at="2026-11-09 14:00", frm="wanghua", to=["zhangwei"], cc=["zhoumin"], parent="b12",
    subject="答复: 江苏移动客服系统改造项目报价", enc="b",
    body="张经理，报价已收到。集团采购周敏会参与后续商务沟通。",
    expect=["qualified chinamobile.com"],
    why="First inbound from chinamobile.com after b04 → qualified (the notification b05 did not count).")
msg(key="b14", rep="bob", folders=["SENT"], at="2026-11-10 10:00", frm="zhangwei", to=["wanghua"], cc=["zhoumin"], parent="b13",
    subject="回复: 答复: 江苏移动客服系统改造项目报价", enc="gbk", xmailer="Foxmail 7.2.25.228[cn]",
    body="王经理、周经理：好的，关于付款节点我们可以按3-4-3的比例。",
    why="Outbound closing in thread T2, already counted in W46 → nothing.")
msg(key="b15", rep="bob", folders=["INBOX"], at="2026-11-10 16:30", frm="zhoumin", to=["zhangwei"], cc=["wanghua"], parent="b14",
    subject="答复: 回复: 答复: 江苏移动客服系统改造项目报价", enc="b",
    body="张经理，集团要求维保费单独列示，请调整后重新报价。",
    why="Inbound from bj.chinamobile.com = chinamobile.com (PSL), already qualified → nothing.")
msg(key="b16", rep="bob", folders=["SENT"], at="2026-11-10 16:45", frm="bob", to=["zhoukai"],
    subject="华为终端 CRM 需求调研", enc="gbk", xmailer="Foxmail 7.2.25.228[cn]",
    body="周经理您好：\r\n\r\n经朋友介绍，了解到贵部门在规划CRM，附上一份需求调研表，供参考。",
    expect=["lead huawei.com", "contact huawei.com"],
    why="Outbound to huawei.com. bob has no counted activity with huawei.com (alice's does not count for him; b03 was internal) → contact + lead for bob.")
msg(key="b17", rep="bob", folders=["SENT"], at="2026-11-11 10:00", frm="zhangwei", to=["zhoumin"], cc=["wanghua"], parent="b15",
    subject="回复: 答复: 回复: 答复: 江苏移动客服系统改造项目报价", enc="gbk", xmailer="Foxmail 7.2.25.228[cn]",
    body="周经理，调整后的报价见附件，维保费已单独列示。",
    why="Outbound closing in thread T2, W46 already counted → nothing (5 mails in T2 this week, one closing).")
msg(key="b18", rep="bob", folders=["INBOX"], at="2026-11-11 11:00", frm="chris", to=["bob"], parent="b10",
    subject="Re: 查詢：華信CRM香港代理合作", enc="b",
    body="Hi Bob,\r\n\r\n渠道政策收到，我們下周內部討論後回覆。\r\n\r\nChris",
    expect=["qualified pacificlink.com.hk"],
    why="First inbound after b10 → qualified (the cold b09 came before contact).")
msg(key="b19", rep="bob", folders=["SENT"], at="2026-11-12 10:00", frm="bob", to=["qianwei"], cc=["sunli"],
    subject="信远医药 CRM 上线培训安排", enc="b",
    body="钱总、孙经理：\r\n\r\n系统已部署完毕，上线培训拟安排在11月17日和18日，每天两场。",
    expect=["onboarding xinyuan-pharma.com.cn"],
    why="Outbound, 上线/培训 → onboarding. xinyuan-pharma.com.cn seen 2026-02-03 (282 days before) → no lead. Thread T3 starts here.")
msg(key="b20", rep="bob", folders=["INBOX"], at="2026-11-12 17:00", frm="sunli", to=["bob"], cc=["qianwei"], parent="b19",
    subject="回复：信远医药 CRM 上线培训安排", enc="gb2312q",
    body="张经理，17日可以，18日下午我们有会，能否改到19日？",
    why="Inbound, xinyuan-pharma.com.cn already qualified in February (b02) → nothing.")
msg(key="b21", rep="bob", folders=["SENT"], at="2026-11-13 09:30", frm="bob", to=["liufang"],
    subject="华信门店版收银软件资料", enc="gbk", xmailer="Foxmail 7.2.25.228[cn]",
    body="刘老板您好：\r\n\r\n上次在店里聊过的门店版收银软件，资料和价格见附件。",
    expect=["lead liu_fang@163.com", "contact liu_fang@163.com"],
    why="Outbound to a 163.com address (freemail → whole address), new → contact + lead.")
# --- W47
msg(key="b22", rep="bob", folders=["SENT"], at="2026-11-16 09:00", frm="bob", to=["sunli"], cc=["qianwei"], parent="b20",
    subject="Re: 回复：信远医药 CRM 上线培训安排", enc="b",
    body="孙经理，第二场培训改到19日下午没问题，培训材料会提前一天发给大家。",
    expect=["onboarding xinyuan-pharma.com.cn"],
    why="Outbound onboarding in thread T3 (root b19, counted in W46): new week → one onboarding in W47.")
msg(key="b23", rep="bob", folders=["INBOX"], at="2026-11-16 10:00", frm="zhoukai", to=["crmlist"],
    subject="[CRM用户组] 讨论：大型企业CRM实施经验分享", enc="b",
    extra=["List-Id: CRM 用户组 <crm-users.lists.osc.org.cn>", "Precedence: list",
           "List-Post: <mailto:crm-users@lists.osc.org.cn>", "Sender: crm-users-bounces@lists.osc.org.cn"],
    body="各位好，下周四线下沙龙分享大型企业CRM实施经验，欢迎报名。",
    why="Automated: List-Id and Precedence: list — a list post, even though From is a real huawei.com person whom bob contacted (b16); otherwise it would be huawei's qualified.")
msg(key="b24", rep="bob", folders=["INBOX"], at="2026-11-17 11:00", frm="zhoukai", to=["bob"], parent="b16",
    subject="答复: 华为终端 CRM 需求调研", enc="b",
    body="张经理，调研表已填好，附件请查收。我们更关注与现有SAP的集成。",
    expect=["qualified huawei.com"],
    why="First (non-automated) inbound from huawei.com after b16 → qualified for bob.")
msg(key="b25", rep="bob", folders=["SENT"], at="2026-11-17 15:00", frm="bob", to=["david"],
    subject="Invoice for HX ERP Lite - payment details", enc="ascii",
    body="Hi David,\r\n\r\nAttached is the invoice. Bank details are on page 2.\r\n\r\nBob",
    expect=["payment david.lee.sz@gmail.com"],
    why="Outbound, invoice/payment → payment.")
msg(key="b26", rep="bob", folders=["INBOX"], at="2026-11-18 09:00", frm="liufang", to=["bob"], parent="b21",
    subject="回复：华信门店版收银软件资料", enc="gb2312q",
    body="张经理，资料看了，下周来店里演示一下吧。",
    expect=["qualified liu_fang@163.com"],
    why="First inbound after b21 → qualified.")
msg(key="b27", rep="bob", folders=["SENT"], at="2026-11-18 14:00", frm="zhangwei", to=["wanghua", "zhoumin"],
    subject="江苏移动项目商务谈判会议纪要", enc="gbk", xmailer="Foxmail 7.2.25.228[cn]",
    body="王经理、周经理：\r\n\r\n今天商务谈判的会议纪要见附件，如有出入请指正。",
    expect=["closing chinamobile.com"],
    why="Outbound, 商务/谈判 → closing; new thread, W47.")
msg(key="b28", rep="bob", folders=["SENT"], at="2026-11-19 10:00", frm="bob", to=["zhoukai"],
    subject="跟进：华为终端 CRM 需求调研补充材料", enc="b",
    body="周经理，SAP集成方案的补充材料见附件。",
    expect=["follow_up huawei.com"],
    why="Outbound, new thread, no closing/onboarding/payment keyword, huawei.com known to bob → follow_up.")
msg(key="b29", rep="bob", folders=["SENT"], at="2026-11-19 16:00", frm="bob", to=["alice"],
    subject="华为终端与华为云项目协同", enc="raw",
    body="王丽：华为终端那边也在看CRM，我们对一下口径？",
    why="Internal only → nothing.")
msg(key="b30", rep="bob", folders=["SENT"], at="2026-11-20 10:00", frm="zhangwei", to=["chris"],
    subject="HK reseller agreement proposal", enc="ascii",
    body="Hi Chris,\r\n\r\nPlease find our proposal for the Hong Kong reseller agreement.\r\n\r\nBob Zhang",
    expect=["closing pacificlink.com.hk"],
    why="Outbound, 'proposal' → closing.")

# ============================== carol ==============================
msg(key="c01", rep="carol", folders=["SENT"], at="2026-11-02 00:05", frm="carol", to=["zhangyu"],
    subject="北京大学信息中心 CRM 平台交流", enc="raw",
    body="张老师您好：\r\n\r\n感谢上周在教育信息化论坛的交流，附上我们在高校的CRM案例。",
    expect=["lead pku.edu.cn", "contact pku.edu.cn"],
    why="Mon 2 Nov 00:05 +0800 → first minutes of 2026-W45. its.pku.edu.cn → pku.edu.cn; new → contact + lead.")
msg(key="c02", rep="carol", folders=["INBOX"], at="2026-11-02 10:00", frm="lina", to=["carol"], flags="RS",
    subject="询价：客户关系管理系统", enc="b",
    body="陈经理您好，我行拟采购一套客户关系管理系统，请提供产品资料与大致报价。\r\n\r\n建设银行北京市分行 李娜",
    why="Cold inbound from ccb.com before any contact → nothing, no lead.")
msg(key="c03", rep="carol", folders=["SENT"], at="2026-11-02 15:00", frm="carol", to=["lina"], parent="c02",
    subject="Re: 询价：客户关系管理系统", enc="b",
    body="李经理您好：\r\n\r\n产品资料见附件，明后天可以上门详细介绍。",
    expect=["lead ccb.com", "contact ccb.com"],
    why="Outbound to bj.ccb.com → ccb.com; no closing/onboarding/payment keyword (询价 is none), new → contact + lead.")
msg(key="c04", rep="carol", folders=["SENT"], at="2026-11-03 10:00", frm="carol", to=["mike"],
    subject="Intro: HX CRM for trading companies", enc="ascii",
    body="Hi Mike,\r\n\r\nGreat to meet you at the Beijing import fair. Here is a short intro to HX CRM.\r\n\r\nCarol",
    expect=["lead mike.zhang.bj@gmail.com", "contact mike.zhang.bj@gmail.com"],
    why="Outbound to gmail.com address, new → contact + lead. Thread T4 starts here.")
msg(key="c05", rep="carol", folders=["SENT"], at="2026-11-04 10:00", frm="carol", to=["mike"], parent="c04",
    subject="Re: Intro: HX CRM for trading companies", enc="ascii",
    body="Hi Mike, just adding the price sheet I mentioned.\r\n\r\nCarol",
    expect=["follow_up mike.zhang.bj@gmail.com"],
    why="Outbound, org known (c04) → follow_up; thread T4 has no follow_up yet this week (its contact is another kind).")
msg(key="c06", rep="carol", folders=["INBOX"], at="2026-11-05 14:00", frm="zhangyu", to=["carol"], parent="c01",
    subject="回复：北京大学信息中心 CRM 平台交流", enc="raw",
    body="陈经理好，案例收到。我们明年有校友关系平台的规划，可以进一步聊。",
    expect=["qualified pku.edu.cn"],
    why="First inbound after c01 → qualified.")
msg(key="c07", rep="carol", folders=["SENT"], at="2026-11-06 09:00", frm="carol", to=["mike"], parent="c05",
    subject="Re: Intro: HX CRM for trading companies", enc="ascii",
    body="Hi Mike, any thoughts? Happy to set up a call next week.\r\n\r\nCarol",
    why="Outbound follow_up in thread T4, which already has a follow_up in W45 (c05) → nothing.")
msg(key="c08", rep="carol", folders=["INBOX"], at="2026-11-06 10:15", frm="zhao", to=["alice", "bob"], cc=["carol"], same_as="a14",
    subject="关于11月销售例会的通知", enc="b",
    body="各位：\r\n\r\n11月销售例会定于11月9日（周一）上午9点，请准备各自客户推进情况。\r\n\r\n赵建国",
    why="Inbound internal (same message as a14) → nothing.")
# --- W46
msg(key="c09", rep="carol", folders=["SENT"], at="2026-11-09 00:30", tz="+00:00", frm="carol", to=["jpark"],
    subject="Follow-up on our call: HX CRM for logistics", enc="ascii",
    body="Hi Jennifer,\r\n\r\nThanks for the call on Friday. As promised, a summary of how HX CRM handles\r\n"
         "multi-warehouse accounts.\r\n\r\nCarol",
    expect=["lead northwind-logistics.com", "contact northwind-logistics.com"],
    why="Date Sun 8 Nov 16:30 +0000 = Mon 9 Nov 00:30 Asia/Shanghai → 2026-W46. 'Follow-up' is a follow_up keyword, but a mail's kind comes only from closing/onboarding/payment keywords, else history: no earlier counted activity → contact (+ lead) (judgement call J2).")
msg(key="c10", rep="carol", folders=["SENT"], at="2026-11-09 15:00", frm="carol", to=["wangjj"],
    subject="华信CRM小企业版报价单", enc="raw",
    body="王总您好：\r\n\r\n按电话里说的10个账号，报价单见附件。",
    expect=["lead 2851736624@qq.com", "closing 2851736624@qq.com"],
    why="Outbound, 报价 → closing; qq.com freemail → whole address; new → lead.")
msg(key="c11", rep="carol", folders=["INBOX"], at="2026-11-10 10:15", frm="wangjj", to=["carol"], parent="c10",
    subject="回复：华信CRM小企业版报价单", enc="b", date_override="周二, 10 11月 2026 10:15:00 +0800",
    body="陈经理，价格可以，合同发我看看。",
    expect=["qualified 2851736624@qq.com"],
    why="The Date header is unparseable (a zh_CN-localised strftime) → INTERNALDATE, which the test server takes from the file mtime = the file-name time 2026-11-10 10:15 +0800 (set-mtimes) → 2026-W46. First inbound after c10 → qualified.")
msg(key="c12", rep="carol", folders=["INBOX"], at="2026-11-10 14:00", frm="lina", to=["carol"], parent="c03",
    subject="Re: Re: 询价：客户关系管理系统", enc="b",
    body="陈经理，资料收到，周四下午欢迎来行里交流。",
    expect=["qualified ccb.com"],
    why="First inbound from ccb.com after c03 (the cold c02 came before contact) → qualified.")
msg(key="c13", rep="carol", folders=["SENT"], at="2026-11-11 10:00", frm="carol", to=["liujun"],
    subject="回访：贵司华信CRM使用情况", enc="raw",
    body="刘经理您好：\r\n\r\n我是接替孙工负责贵司的Carol，想了解一下华信CRM目前的使用情况和需求。",
    expect=["lead bjhengtong.com.cn", "contact bjhengtong.com.cn"],
    why="Outbound; 回访 is a follow_up keyword but gives nothing for a mail; carol has no earlier activity with bjhengtong.com.cn (a colleague's history is not hers) → contact + lead (judgement call J2).")
msg(key="c14", rep="carol", folders=["INBOX"], at="2026-11-11 15:00", frm="liujun", to=["carol"], no_msgid=True,
    subject="回复: 回访：贵司华信CRM使用情况", enc="gb2312q", xmailer="OA Mail 3.1",
    body="Carol你好，使用情况总体不错，报表模块有些需求想和你们聊聊。",
    expect=["qualified bjhengtong.com.cn"],
    why="No Message-ID, no In-Reply-To/References (sent by an OA system). First inbound from bjhengtong.com.cn after c13 → qualified.")
msg(key="c15", rep="carol", folders=["SENT"], at="2026-11-12 09:00", frm="carol", to=["zhangyu"],
    subject="北京大学 CRM 平台部署方案及报价", enc="b",
    body="张老师：\r\n\r\n部署方案和报价见附件，私有化部署在贵校机房。",
    expect=["onboarding pku.edu.cn"],
    why="Outbound; 部署 (onboarding) and 报价 (closing) both match → precedence onboarding › closing → onboarding.")
msg(key="c16", rep="carol", folders=["INBOX"], at="2026-11-12 10:02", frm="nw_support", to=["carol"], parent="c09",
    subject="Re: Follow-up on our call: HX CRM for logistics [Case 88213]", enc="ascii",
    extra=["Auto-Submitted: auto-generated"],
    body="This is an automated message. Your case 88213 has been created.",
    why="Automated: Auto-Submitted: auto-generated (not 'no') → nothing; would otherwise be northwind's qualified in W46.")
msg(key="c17", rep="carol", folders=["INBOX"], at="2026-11-12 20:30", frm="mike", to=["carol"], parent="c07",
    subject="Re: Intro: HX CRM for trading companies", enc="ascii",
    body="Hi Carol, sorry for the delay. We're interested - can you send a quote for 10 seats?\r\n\r\nMike",
    expect=["qualified mike.zhang.bj@gmail.com"],
    why="First inbound from the address-org after c04 → qualified.")
# --- W47
msg(key="c18", rep="carol", folders=["INBOX"], at="2026-11-16 09:00", tz="-08:00", frm="jpark", to=["carol"], parent="c09",
    subject="Re: Follow-up on our call: HX CRM for logistics", enc="ascii",
    body="Hi Carol,\r\n\r\nThanks - this is helpful. Could we schedule a demo for our ops team?\r\n\r\nJennifer",
    expect=["qualified northwind-logistics.com"],
    why="Date Sun 15 Nov 17:00 -0800 (still Sunday, W46, for the sender) = Mon 16 Nov 09:00 Asia/Shanghai → 2026-W47. First human inbound after c09 → qualified.")
msg(key="c19", rep="carol", folders=["SENT"], at="2026-11-16 10:00", frm="carol", to=["jpark"], parent="c18",
    subject="Re: Follow-up on our call: HX CRM for logistics", enc="ascii",
    body="Hi Jennifer, happy to. I'll send an invite for Thursday 9am your time.\r\n\r\nCarol",
    expect=["follow_up northwind-logistics.com"],
    why="Outbound, org known (c09) → follow_up (thread of c09; first follow_up of that thread in W47).")
msg(key="c20", rep="carol", folders=["SENT"], at="2026-11-17 09:30", frm="carol", to=["zhangyu"],
    subject="北京大学 CRM 平台合同签约安排", enc="b",
    body="张老师：\r\n\r\n合同文本已按贵校意见修改，签约时间您看下周一是否方便？",
    expect=["closing pku.edu.cn"],
    why="Outbound, 合同/签约 → closing. Thread T5 starts here.")
msg(key="c21", rep="carol", folders=["SENT"], at="2026-11-17 11:00", frm="carol", to=["lina"],
    subject="建行北京分行 CRM 项目投标文件", enc="raw",
    body="李经理：\r\n\r\n投标文件已按采购要求准备完毕，明天上午送达。",
    expect=["closing ccb.com"],
    why="Outbound, 投标 → closing.")
msg(key="c22", rep="carol", folders=["SENT"], at="2026-11-18 10:00", frm="carol", to=["wangjj"],
    subject="付款方式及发票信息确认", enc="b",
    body="王总：\r\n\r\n合同已寄出，付款方式和开票信息请您确认一下。",
    expect=["payment 2851736624@qq.com"],
    why="Outbound, 付款/发票 → payment.")
msg(key="c23", rep="carol", folders=["INBOX"], at="2026-11-18 14:00", frm="ccgp", to=["carol"],
    subject="北京市政府采购网：本周招标公告汇总", enc="b", cte="base64",
    extra=["List-Id: <notice.ccgp-beijing.gov.cn>"],
    body="本周招标公告汇总：……",
    why="Automated: List-Id (only that header).")
msg(key="c24", rep="carol", folders=["SENT"], at="2026-11-19 10:00", frm="carol", to=["mike"], parent="c17",
    subject="Quotation: HX CRM Standard, 10 seats", enc="ascii",
    body="Hi Mike,\r\n\r\nAs requested, the quotation for 10 seats is attached.\r\n\r\nCarol",
    expect=["closing mike.zhang.bj@gmail.com"],
    why="Outbound, 'Quotation' (case-insensitive) → closing. In thread T4 (W47: no closing yet).")
msg(key="c25", rep="carol", folders=["SENT"], at="2026-11-20 16:00", frm="carol", to=["zhangyu"], parent="c20",
    subject="Re: 北京大学 CRM 平台合同签约安排", enc="b",
    body="张老师，补充一下：签约时请带上贵校公章和授权书。",
    why="Outbound closing in thread T5, already counted in W47 (c20) → nothing.")
msg(key="c26", rep="carol", folders=["SENT"], at="2026-11-20 17:00", frm="carol", to=["zhao"],
    subject="华北区第47周客户进展", enc="raw",
    body="赵总：本周北大合同、建行投标推进中，Northwind下周演示。",
    why="Internal only → nothing.")


# ---------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------
def h(seed, n=32):
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def local_dt(m):
    return datetime.strptime(m["at"], "%Y-%m-%d %H:%M").replace(tzinfo=SH)


def header_dt(m):
    dt = local_dt(m)
    tz = m.get("tz", "+08:00")
    sign = 1 if tz[0] == "+" else -1
    off = timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])) * sign
    return dt.astimezone(timezone(off))


def message_id(m):
    if m.get("msgid_override"):
        return m["msgid_override"]
    if m.get("same_as"):
        return message_id(BY_KEY[m["same_as"]])
    addr = P[m["frm"]][1]
    dom = addr.split("@")[1].lower()
    dt = local_dt(m)
    k = m["key"]
    if dom == "hxsoft.cn":
        if m.get("xmailer", "").startswith("Foxmail"):
            return f"<{dt:%Y%m%d%H%M%S}{int(h(k, 6), 16) % 1000000:06d}@hxsoft.cn>"
        return f"<{dt:%Y%m%d%H%M%S}.{h(k, 6)}@hxsoft.cn>"
    if dom == "huawei.com":
        return f"<{h(k, 24).upper()}@dggems701-chm.china.huawei.com>"
    if dom == "qq.com":
        return f"<tencent_{h(k, 40).upper()}@qq.com>"
    if dom.endswith("163.com"):
        return f"<{h(k, 8)}.{int(h(k + 'n', 4), 16)}.{int(dt.timestamp())}@{dom}>"
    if dom == "gmail.com":
        return "<CA" + base64.b64encode(hashlib.sha256(k.encode()).digest()[:33]).decode().replace("/", "_") + "@mail.gmail.com>"
    if dom.endswith("gov.cn"):
        return f"<{int(h(k, 7), 16)}.{int(dt.timestamp())}123.JavaMail.root@{dom}>"
    return f"<{h(k, 20)}@{dom}>"


# enc → (Python codec, MIME charset name as mail clients write it, B or Q)
ENC = {"b": ("utf-8", "UTF-8", "B"), "gbk": ("gbk", "GBK", "B"),
       "gb2312q": ("gb2312", "GB2312", "Q"), "big5": ("big5", "Big5", "B")}
Q_SAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


def _word(chars, codec, mime, how):
    raw = chars.encode(codec)  # raises UnicodeEncodeError if the charset lacks a character
    if how == "B":
        payload = base64.b64encode(raw).decode()
    else:
        payload = "".join("_" if b == 0x20 else chr(b) if b in Q_SAFE else f"={b:02X}" for b in raw)
    return f"=?{mime}?{how}?{payload}?="


def encode_words(text, enc, header_name):
    """RFC 2047 encoded-words, split on character boundaries, each line at most 76 octets."""
    if enc in ("raw", "ascii") or text.isascii():
        if enc == "ascii":
            assert text.isascii(), text
        return text
    codec, mime, how = ENC[enc]
    words, cur = [], ""
    limit = 76 - len(header_name) - 2  # first line carries "Subject: "
    for ch in text:
        if cur and len(_word(cur + ch, codec, mime, how)) > limit:
            words.append(_word(cur, codec, mime, how))
            cur, limit = "", 75  # continuation lines start with one space
        cur += ch
    words.append(_word(cur, codec, mime, how))
    return (CRLF + " ").join(words)


def addr(key, enc):
    name, a = P[key]
    if name.isascii():
        return f"{name} <{a}>" if " " not in name else f'"{name}" <{a}>'
    if enc in ("raw",):
        return f'"{name}" <{a}>'
    e = enc if enc != "ascii" else "b"
    try:
        return f"{encode_words(name, e, 'From')} <{a}>"
    except UnicodeEncodeError:  # e.g. a simplified-only name in a Big5 mail
        return f"{encode_words(name, 'b', 'From')} <{a}>"


def addr_list(keys, enc, field):
    parts = [addr(k, enc) for k in keys]
    return ("," + CRLF + " ").join(parts)


def render_body(m, sig):
    text = m["body"].replace("\r\n", "\n").replace("\n", CRLF)
    if sig:
        text += CRLF + CRLF + "-- " + CRLF + sig
    text += CRLF
    if m["cte"] == "base64":
        b = base64.encodebytes(text.encode("utf-8")).decode().replace("\n", CRLF)
        return b
    return text


def rep_of_sender(m):
    for r, info in REPS.items():
        if P[m["frm"]][1] in info["emails"]:
            return r
    return None


def build(m, folder):
    enc = m["enc"]
    dt = header_dt(m)
    lines = []
    sender_rep = rep_of_sender(m)
    inbound = folder == "INBOX"
    rep_addr = REPS[m["rep"]]["emails"][0]
    to_addrs = [P[k][1] for k in m["to"] + m["cc"]]
    deliver_to = next((a for a in to_addrs if a in REPS[m["rep"]]["emails"]), rep_addr)
    if inbound:
        fdom = P[m["frm"]][1].split("@")[1]
        lines.append(f"Return-Path: <{'' if m.get('kind') == 'bounce' else P[m['frm']][1]}>")
        lines.append(f"Delivered-To: {deliver_to}")
        rcv = format_datetime(local_dt(m))
        if fdom.endswith("hxsoft.cn"):
            lines.append(f"Received: from [10.8.2.{int(h(m['key'], 2), 16) % 200 + 20}] (unknown [10.8.2.1])" + CRLF +
                         f"\tby mail.hxsoft.cn (Postfix) with ESMTPSA id {h(m['key'], 10).upper()}" + CRLF +
                         f"\tfor <{deliver_to}>; {rcv}")
        else:
            mx = fdom if fdom.startswith("mx.") else f"mx.{fdom}"
            lines.append(f"Received: from {mx} ({mx} [203.0.113.{int(h(m['key'], 2), 16) % 250 + 1}])" + CRLF +
                         f"\tby mail.hxsoft.cn (Postfix) with ESMTPS id {h(m['key'], 10).upper()}" + CRLF +
                         f"\tfor <{deliver_to}>; {rcv}")
    date_value = m.get("date_override") or format_datetime(dt)
    if not m.get("date_override") and m["rep"] == "carol" and not m.get("tz"):
        date_value += " (CST)"
    lines.append(f"Date: {date_value}")
    lines.append(f"From: {addr(m['frm'], enc)}")
    lines.append(f"To: {addr_list(m['to'], enc, 'To')}")
    if m["cc"]:
        lines.append(f"Cc: {addr_list(m['cc'], enc, 'Cc')}")
    if m.get("bcc") and folder == "SENT":
        lines.append(f"Bcc: {addr_list(m['bcc'], enc, 'Bcc')}")
    lines.append(f"Subject: {encode_words(m['subject'], enc, 'Subject')}")
    if not m.get("no_msgid"):
        lines.append(f"Message-ID: {message_id(m)}")
    if m.get("parent"):
        par = BY_KEY[m["parent"]]
        refs = thread_refs(par) + [message_id(par)]
        lines.append(f"In-Reply-To: {message_id(par)}")
        lines.append("References: " + (CRLF + " ").join(refs))
    if m.get("kind") == "bounce":
        orig = BY_KEY[m["bounce_of"]]
        lines.append("Auto-Submitted: auto-replied")
    for e in m["extra"]:
        lines.append(e)
    if m.get("xmailer"):
        lines.append(f"X-Mailer: {m['xmailer']}")
    elif sender_rep and m.get("kind") != "invite":
        lines.append("User-Agent: Mozilla Thunderbird 128.4.2")
    elif m.get("kind") == "invite":
        lines.append("X-Mailer: Microsoft Outlook 16.0")
    lines.append("MIME-Version: 1.0")
    sig = SIGS.get(sender_rep) if sender_rep else None

    if m.get("kind") == "invite":
        boundary = "----=_Part_" + h(m["key"] + "b", 16)
        lines.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
        head = CRLF.join(lines) + CRLF + CRLF
        parts = ["This is a multi-part message in MIME format." + CRLF]
        parts.append(f"--{boundary}" + CRLF + "Content-Type: text/plain; charset=UTF-8" + CRLF +
                     "Content-Transfer-Encoding: 8bit" + CRLF + CRLF + render_body(m, sig))
        ics = invite_ics(m)
        parts.append(f"--{boundary}" + CRLF +
                     "Content-Type: text/calendar; method=REQUEST; charset=UTF-8; name=invite.ics" + CRLF +
                     "Content-Transfer-Encoding: 8bit" + CRLF + CRLF + ics)
        return head + CRLF.join(parts) + f"--{boundary}--" + CRLF
    if m.get("kind") == "bounce":
        boundary = "A1B2C3D4E5." + str(int(local_dt(m).timestamp())) + "/mx.nbport.com.cn"
        lines.append(f'Content-Type: multipart/report; report-type=delivery-status;{CRLF}\tboundary="{boundary}"')
        lines.append("Content-Transfer-Encoding: 8bit")
        head = CRLF.join(lines) + CRLF + CRLF
        orig = BY_KEY[m["bounce_of"]]
        odt = format_datetime(local_dt(orig))
        p1 = ("Content-Description: Notification" + CRLF + "Content-Type: text/plain; charset=us-ascii" + CRLF + CRLF +
              m["body"].replace("\r\n", "\n").replace("\n", CRLF) + CRLF)
        p2 = ("Content-Description: Delivery report" + CRLF + "Content-Type: message/delivery-status" + CRLF + CRLF +
              "Reporting-MTA: dns; mx.nbport.com.cn" + CRLF + "X-Postfix-Queue-ID: 4N8kQ72xZ9z1V" + CRLF +
              "Arrival-Date: " + odt + CRLF + CRLF +
              "Final-Recipient: rfc822; zhou.ming@nbport.com.cn" + CRLF +
              "Original-Recipient: rfc822;zhou.ming@nbport.com.cn" + CRLF +
              "Action: failed" + CRLF + "Status: 5.1.1" + CRLF +
              "Diagnostic-Code: x-unix; user unknown" + CRLF)
        p3 = ("Content-Description: Undelivered Message Headers" + CRLF + "Content-Type: text/rfc822-headers" + CRLF + CRLF +
              f"Date: {format_datetime(local_dt(orig))}" + CRLF +
              f"From: {addr(orig['frm'], orig['enc'])}" + CRLF +
              f"To: {addr_list(orig['to'], orig['enc'], 'To')}" + CRLF +
              f"Subject: {encode_words(orig['subject'], orig['enc'], 'Subject')}" + CRLF +
              f"Message-ID: {message_id(orig)}" + CRLF)
        return (head + "This is a MIME-encapsulated message." + CRLF + CRLF +
                f"--{boundary}" + CRLF + p1 + CRLF + f"--{boundary}" + CRLF + p2 + CRLF +
                f"--{boundary}" + CRLF + p3 + CRLF + f"--{boundary}--" + CRLF)
    lines.append("Content-Type: text/plain; charset=UTF-8; format=flowed" if m["cte"] == "8bit" else "Content-Type: text/plain; charset=UTF-8")
    lines.append(f"Content-Transfer-Encoding: {m['cte']}")
    return CRLF.join(lines) + CRLF + CRLF + render_body(m, sig)


def thread_refs(m):
    if not m.get("parent"):
        return []
    par = BY_KEY[m["parent"]]
    return thread_refs(par) + [message_id(par)]


def invite_ics(m):
    ics = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
        "VERSION:2.0",
        "METHOD:REQUEST",
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Shanghai",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0800",
        "TZOFFSETTO:+0800",
        "TZNAME:CST",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "UID:hx-demo-20261112-huaweicloud@hxsoft.cn",
        "DTSTAMP:20261105T013000Z",
        "SEQUENCE:0",
        "DTSTART;TZID=Asia/Shanghai:20261112T140000",
        "DTEND;TZID=Asia/Shanghai:20261112T160000",
        "SUMMARY:产品演示 - 华为云",
        "LOCATION:华为松山湖园区 F区 3楼会议室",
        "DESCRIPTION:华信ERP集成方案产品演示，约2小时。",
        "ORGANIZER;CN=王丽:mailto:alice@hxsoft.cn",
        "ATTENDEE;CN=李明;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE",
        " :mailto:li.ming@huawei.com",
        "ATTENDEE;CN=陈静;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE",
        " :mailto:chen.jing@huawei.com",
        "ATTENDEE;CN=王丽;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:alice@hxsoft.cn",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    for line in ics:
        assert len(line.encode()) <= 75, line
    return CRLF.join(ics) + CRLF


BY_KEY = {m["key"]: m for m in M}


def iso_week(dt):
    y, w, _ = dt.astimezone(SH).isocalendar()
    return f"{y}-W{w:02d}"


def filename(m, n, folder):
    ts = int(local_dt(m).timestamp())
    flags = "S" if folder == "SENT" else m["flags"]
    return f"{ts}.M{n}P{4100 + n}.fixture:2,{flags}"


def folder_dir(rep, folder):
    return "Maildir/cur" if folder == "INBOX" else f"Maildir/{REPS[rep]['sent']}/cur"


def direction(m):
    sender_rep = rep_of_sender(m)
    if sender_rep == m["rep"]:
        ext = [k for k in m["to"] + m["cc"] if not P[k][1].endswith("@hxsoft.cn")]
        return "out" if ext else "out (internal only)"
    if P[m["frm"]][1].endswith("@hxsoft.cn"):
        return "in (internal)"
    return "in"


def main():
    for rep in REPS:
        d = os.path.join(HERE, rep)
        if os.path.isdir(d):
            shutil.rmtree(d)
    files = {}
    n = 0
    for m in sorted(M, key=lambda m: (m["rep"], local_dt(m))):
        for folder in m["folders"]:
            n += 1
            rel = os.path.join(folder_dir(m["rep"], folder), filename(m, n, folder))
            path = os.path.join(HERE, m["rep"], rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = build(m, folder).encode("utf-8")
            assert b"\n" not in data.replace(b"\r\n", b""), m["key"]
            with open(path, "wb") as f:
                f.write(data)
            ts = int(local_dt(m).timestamp())
            os.utime(path, (ts, ts))
            files.setdefault(m["key"], []).append(rel)
    write_expected(files)


def parse_expect(s):
    kind, org = s.split(" ", 1)
    return kind, org


KINDS = ["lead", "qualified", "contact", "visit", "demo", "closing", "onboarding", "payment", "follow_up"]


def write_expected(files):
    activities = []
    weeks = {}
    for m in sorted(M, key=lambda m: (local_dt(m), m["rep"])):
        for e in m["expect"]:
            kind, org = parse_expect(e)
            wk = iso_week(local_dt(m))
            a = {"rep": m["rep"], "week": wk, "kind": kind, "org": org,
                 "message_id": None if m.get("no_msgid") else message_id(m),
                 "at": local_dt(m).isoformat()}
            if m.get("no_msgid"):
                a["file"] = f"{m['rep']}/{files[m['key']][0]}"
            activities.append(a)
            weeks.setdefault(wk, {r: {k: 0 for k in KINDS} for r in REPS})[m["rep"]][kind] += 1
    for wk in ["2026-W45", "2026-W46", "2026-W47"]:
        weeks.setdefault(wk, {r: {k: 0 for k in KINDS} for r in REPS})
    out = {"timezone": "Asia/Shanghai",
           "note": "Mail-derived activities only. The invitation's event part (alice, demo huawei.com, 2026-W46) is not included. Weeks before 2026-W45 hold the activities of the older messages.",
           "weeks": dict(sorted(weeks.items())),
           "activities": activities}
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=2)
        f.write("\n")

    md = [MD_HEAD]
    for rep, info in REPS.items():
        md.append(f"\n## {rep} — {info['name']} ({', '.join(info['emails'])}; team {info['team']}; sent folder `{info['sent_name']}` = `Maildir/{info['sent']}`)\n")
        md.append("| # | file | date (Asia/Shanghai) | week | dir | orgs | subject | expected | why (DOMAIN.md) |")
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for m in sorted((m for m in M if m["rep"] == rep), key=local_dt):
            orgs = m.get("orgs_note") or org_column(m)
            exp = "; ".join(m["expect"]) if m["expect"] else "—"
            fl = "<br>".join(f"`{p}`" for p in files[m["key"]])
            date = local_dt(m).strftime("%Y-%m-%d %a %H:%M")
            if m.get("tz"):
                date += f" (header {format_datetime(header_dt(m))})"
            if m.get("date_override"):
                date += " (Date header broken → INTERNALDATE)"
            subj = m["subject"].replace("|", "\\|")
            md.append(f"| {m['key']} | {fl} | {date} | {iso_week(local_dt(m))} | {direction(m)} | {orgs} | {subj} | {exp} | {m['why']} |")
        md.append("")
        md.append(f"Totals for {rep} (lead / qualified / contact / visit / demo / closing / onboarding / payment / follow_up):\n")
        md.append("| week | " + " | ".join(KINDS) + " |")
        md.append("| --- |" + " --- |" * len(KINDS))
        for wk, reps in sorted(weeks.items()):
            c = reps[rep]
            if any(c.values()) or wk >= "2026-W45":
                md.append(f"| {wk} | " + " | ".join(str(c[k]) for k in KINDS) + " |")
    md.append(MD_TAIL)
    with open(os.path.join(HERE, "EXPECTED.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md) + "\n")


def org_column(m):
    """The non-internal addresses with their (hand-written) org keys; automated ones marked."""
    out = []
    for k in [m["frm"]] + m["to"] + m["cc"]:
        a = P[k][1]
        if a.endswith("@hxsoft.cn"):
            continue
        o = ORG[a]
        if o is None:
            cell = f"{a} (automated address)"
        elif k == m["frm"] and m["key"] in AUTOMATED_BY_HEADER:
            cell = f"{a} → {o} (automated by headers)"
        else:
            cell = a if o == a else f"{a} → {o}"
        if cell not in out:
            out.append(cell)
    return ", ".join(out) if out else "(internal only)"


MD_HEAD = """# Expected ledger of the mail fixtures

Hand-derived from `shared/DOMAIN.md`, message by message, in time order per rep. The same
expectations, machine-readable, are in `expected.json`; `check_corpus.py` checks the corpus
parses as intended and that the two agree. `make_corpus.py` renders the messages and these
tables from the hand-written `expect`/`why` of each message (it does not classify anything).

Setup the expectations assume:

- company 华信软件, `internal_domains = ["hxsoft.cn"]` (the only one), ledger timezone
  Asia/Shanghai, `lead_lookback_days = 365`, built-in rules (no extra keywords, no extra
  freemail domains).
- reps `alice` 王丽 (alice@, wangli@; east), `bob` 张伟 (bob@, zhangwei@; east),
  `carol` Carol Chen (carol@; north). `zhao@hxsoft.cn` is a manager, not a rep.
- one IMAP account per rep, user = rep id, folders the default (INBOX and `\\Sent`). The test
  Dovecot must flag `Sent` (alice, carol) and `已发送` (bob; Maildir++ directory `.&XfJT0ZAB-`)
  as `\\Sent` via `special_use`, e.g.
  `namespace inbox { mailbox Sent { special_use = \\Sent }  mailbox 已发送 { special_use = \\Sent } }`.
- after copying the Maildirs (`cp -a`), run `Fixtures/mail/set-mtimes <dir>` so each file's
  mtime — Dovecot's INTERNALDATE for Maildir — equals the time in its file name (git does not
  keep mtimes). Only c11 depends on it (broken Date header), but every file is set.
- git keeps only `cur/`: create the empty `new/` and `tmp/` beside every `cur/` after copying
  (e.g. `find DIR -type d -name cur -execdir mkdir -p new tmp \\;`).
- no calendars: these are mail-only expectations.

Checked against Dovecot 2.3.19 (`/usr/lib/dovecot/imap` in PREAUTH mode with the
`special_use` lines above): LIST shows `Sent` and `&XfJT0ZAB-` with `\Sent`; the per-folder
message counts are alice INBOX 21 / Sent 23, bob INBOX 15 / 已发送 16, carol INBOX 10 / Sent 16;
c11's INTERNALDATE is `10-Nov-2026 02:15:00 +0000` after `set-mtimes`.

Columns: *dir* `out` = From is one of the rep's addresses; `in` = anything else. *orgs* lists
the non-internal addresses on the message (From, To, Cc) with their org keys (`addr → key`; a
freemail address is its own key), automated ones marked. *expected*
lists the activities as `kind org`; `—` means the message counts for nothing.

Threads referred to: T1 = alice's quote thread rooted at a19 (W46 → W47); T2 = bob's 江苏移动
quote thread rooted at b12 (five mails in W46); T3 = bob's training thread rooted at b19
(W46 → W47); T4 = carol's thread rooted at c04; T5 = carol's contract thread rooted at c20.
"""

MD_TAIL = """
## The invitation (alice, a12)

a12 is a `multipart/mixed` mail with a `text/plain` part and a
`text/calendar; method=REQUEST; charset=UTF-8` part (VEVENT UID
`hx-demo-20261112-huaweicloud@hxsoft.cn`, `DTSTART;TZID=Asia/Shanghai:20261112T140000`,
SUMMARY `产品演示 - 华为云`, physical LOCATION, ORGANIZER alice, ATTENDEEs li.ming@ and
chen.jing@huawei.com).

- mail part (in expected.json): outbound, follow_up huawei.com, 2026-W45.
- event part (counted when invitations are implemented): **demo**, huawei.com, 2026-W46
  (Thursday 12 Nov 14:00 Asia/Shanghai), keyword 演示; no lead (huawei.com known since a03).
  Not included in expected.json's counts. No calendar copy of it exists in the fixtures.

## Judgement calls (where DOMAIN.md could be read two ways)

- **J1 Bounced mail still counts.** a15 (to nbport.com.cn) bounced (a16). DOMAIN.md has no
  delivery rule, so the sent mail is an outbound mail: contact + lead. The bounce itself is
  automated (multipart/report and MAILER-DAEMON).
- **J2 follow_up keywords in an outbound mail.** Mail rule 1 names only closing, onboarding and
  payment keywords; everything else is decided by history. So `Follow-up on our call…` (c09)
  and `回访：…` (c13) to organisations with no earlier counted activity are **contact** (+ lead),
  and `跟进：…` (a43, b28) to known ones are follow_up (history gives the same answer).
- **J3 demo/visit keywords in a mail subject are ignored, not "winning".** a12 (演示) and
  a43 (试用) have a demo keyword and no closing/onboarding/payment keyword: follow_up by
  history. The corpus avoids subjects that mix a demo or visit keyword with a
  closing/onboarding/payment keyword (e.g. "试用报价"), where one could argue either that
  demo wins precedence and then gives nothing, or that the mail falls through to closing.
- **J4 Several organisations.** a25 (To huawei.com, Cc zju.edu.cn): one activity, kind judged
  against the credited (first) organisation's history → follow_up huawei.com; zju.edu.cn gets
  its own lead and gains history, so a29 (to zju) is follow_up, not contact, and zju's reply
  a28 is qualified (the Cc'd mail was an outbound mail to it). Its reply went To alice only, so
  no question arises about how to credit a multi-organisation inbound mail.
- **J5 Lookback.** brightwave.co.uk was last seen 2025-06-10 (a01), more than 365 days before
  a20 (2026-11-09): a20 yields a new lead. Whether its kind would be contact (lookback
  applied to "no earlier activity") or follow_up (DOMAIN: "no earlier counted activity", no
  lookback) is avoided: a20 carries `quotation` → closing either way. brightwave never wrote
  before, so qualified (a32) is not a lookback question either. acme.com.cn (a02, 2026-01-12)
  and xinyuan-pharma.com.cn (b01, 2026-02-03) are within 365 days: no new lead.
- **J6 Contacted in an earlier period.** acme.com.cn's first inbound (a24, 2026-11-10) is
  qualified: alice's January mail a02 (and a11) contacted it; "contacted" has no time limit.
- **J7 Copies of colleagues' mail.** b03 (bob's Cc copy of alice's a03) and the manager's
  circular a14/b11/c08 are inbound from an internal sender: nothing. b06a (bob's Cc copy of
  huawei.com's reply to alice, same Message-ID as alice's qualified a10) is inbound from
  huawei.com before bob ever wrote to it: nothing and no lead for bob. Each rep is independent,
  so bob's own first mail to huawei.com (b16) is contact + lead for bob, and b24 his qualified.
- **J8 Thread dedup across orgs was avoided.** Rule 4 is per thread and (rep, kind, week),
  without the organisation; the corpus has no thread in which two different organisations
  would each get the same kind in one week.
- **J9 Reply subjects keep their keywords.** `Re: 答复: … 报价` is still closing; dedup, not the
  prefix, is what suppresses a23/a27/b14/b17/c25.
- **J10 Traditional characters.** b09's Big5 subject `查詢：華信CRM香港代理合作` contains no
  keyword; keywords are simplified (報價 would not match 报价). It is an uncounted cold inbound
  either way.
- **J11 Dates.** Weeks are by the Asia/Shanghai wall clock of the Date header's instant:
  a32 (+0000, Sunday in London) and c18 (-0800, Sunday in California) are Monday in Shanghai →
  W47; c09 (+0000, Sunday 16:30 UTC) is Monday 00:30 → W46; c01 (Mon 00:05 +0800) is W45 and
  a43 (Sun 23:50 +0800) is W47. c11's Date `周二, 10 11月 2026 10:15:00 +0800` is not RFC 5322
  (a localised strftime); the ledger must use INTERNALDATE (file mtime, set from the file
  name) = 2026-11-10 10:15 +0800 → W46. A lenient parser that guessed 10 Nov from it would land in
  W46 too, so this fixture proves that the message is neither dropped nor dated "now"/epoch.
- **J12 Message without Message-ID.** c14 has neither Message-ID nor In-Reply-To/References;
  it is its own thread (whatever key the implementation synthesises). Its activity has
  `message_id: null` and a `file` in expected.json.
- **J13 Same message in two folders.** a19 is in alice's Sent (with a Bcc header) and INBOX
  (without): one closing. Dedup is per rep: a14's Message-ID appears in three reps'
  INBOXes, and counts nothing for any of them.
- **J14 Automated mail from a real person.** b23 is posted by zhou.kai@huawei.com, whom bob
  contacted, through a mailing list (List-Id, Precedence: list): automated, so it is not the
  qualified reply; b24 is.
- **J15 Older weeks.** The 2025/early-2026 messages produce activities in 2025-W24, 2026-W03
  and 2026-W06; expected.json lists them in `activities` and in `weeks` too.
"""

if __name__ == "__main__":
    main()
