#include "labels.h"

#include <string.h>

static const struct labels zh = {
    .lang = "zh",
    .kpi = {"中高端客户保有率", "大客户在网率", "中高端客户捆绑到位率", "客户满意度",
            "全球通客户满意度", "五区预警"},
    .status = {NULL, "低于基础目标", "达标", "达到挑战目标"},
    .zone = {"流失区", "危险区", "异动区", "安全区", "稳定区", "未入区", "离网"},
    .base = "基础目标",
    .challenge = "挑战目标",
    .base_path = "基础时序进度",
    .challenge_path = "挑战时序进度",
    .period_end = "期末目标",
    .at_risk = "预警",
    .flag_warn = "示警",
    .flag_excellent = "绩优",
    .panorama_header = {"指标", "得分", "环比", "上月", "目标", "状态"},
};

static const struct labels en = {
    .lang = "en",
    .kpi = {"Mid/high-end retention", "VIP in-network rate", "Bundling coverage",
            "Customer satisfaction", "GoTone satisfaction", "Risk zones"},
    .status = {NULL, "below base", "on target", "at challenge"},
    .zone = {"white (lost)", "red (danger)", "yellow (moving)", "blue (safe)", "green (stable)",
             "unzoned", "left"},
    .base = "base",
    .challenge = "challenge",
    .base_path = "base path",
    .challenge_path = "challenge path",
    .period_end = "period-end targets",
    .at_risk = "at risk",
    .flag_warn = "warns",
    .flag_excellent = "excellent",
    .panorama_header = {"indicator", "score", "vs last", "last month", "target", "status"},
};

const struct labels *labels_get(const char *lang)
{
    return lang && strcmp(lang, "en") == 0 ? &en : &zh;
}
