import Foundation

/// Windows time zone names (what Outlook and Exchange write as TZID) mapped to IANA zones: the
/// territory "001" entries of CLDR's common/supplemental/windowsZones.xml, with the display name
/// Windows shows for each ("(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi").
enum WindowsZones {
    struct Entry: Sendable {
        let windows: String
        let iana: String
        let display: String
    }

    static let entries: [Entry] = [
        Entry(windows: "Dateline Standard Time", iana: "Etc/GMT+12", display: "(UTC-12:00) International Date Line West"),
        Entry(windows: "UTC-11", iana: "Etc/GMT+11", display: "(UTC-11:00) Coordinated Universal Time-11"),
        Entry(windows: "Aleutian Standard Time", iana: "America/Adak", display: "(UTC-10:00) Aleutian Islands"),
        Entry(windows: "Hawaiian Standard Time", iana: "Pacific/Honolulu", display: "(UTC-10:00) Hawaii"),
        Entry(windows: "Marquesas Standard Time", iana: "Pacific/Marquesas", display: "(UTC-09:30) Marquesas Islands"),
        Entry(windows: "Alaskan Standard Time", iana: "America/Anchorage", display: "(UTC-09:00) Alaska"),
        Entry(windows: "UTC-09", iana: "Etc/GMT+9", display: "(UTC-09:00) Coordinated Universal Time-09"),
        Entry(windows: "Pacific Standard Time (Mexico)", iana: "America/Tijuana", display: "(UTC-08:00) Baja California"),
        Entry(windows: "UTC-08", iana: "Etc/GMT+8", display: "(UTC-08:00) Coordinated Universal Time-08"),
        Entry(windows: "Pacific Standard Time", iana: "America/Los_Angeles", display: "(UTC-08:00) Pacific Time (US & Canada)"),
        Entry(windows: "US Mountain Standard Time", iana: "America/Phoenix", display: "(UTC-07:00) Arizona"),
        Entry(windows: "Mountain Standard Time (Mexico)", iana: "America/Mazatlan", display: "(UTC-07:00) Chihuahua, La Paz, Mazatlan"),
        Entry(windows: "Mountain Standard Time", iana: "America/Denver", display: "(UTC-07:00) Mountain Time (US & Canada)"),
        Entry(windows: "Yukon Standard Time", iana: "America/Whitehorse", display: "(UTC-07:00) Yukon"),
        Entry(windows: "Central America Standard Time", iana: "America/Guatemala", display: "(UTC-06:00) Central America"),
        Entry(windows: "Central Standard Time", iana: "America/Chicago", display: "(UTC-06:00) Central Time (US & Canada)"),
        Entry(windows: "Easter Island Standard Time", iana: "Pacific/Easter", display: "(UTC-06:00) Easter Island"),
        Entry(windows: "Central Standard Time (Mexico)", iana: "America/Mexico_City", display: "(UTC-06:00) Guadalajara, Mexico City, Monterrey"),
        Entry(windows: "Canada Central Standard Time", iana: "America/Regina", display: "(UTC-06:00) Saskatchewan"),
        Entry(windows: "SA Pacific Standard Time", iana: "America/Bogota", display: "(UTC-05:00) Bogota, Lima, Quito, Rio Branco"),
        Entry(windows: "Eastern Standard Time (Mexico)", iana: "America/Cancun", display: "(UTC-05:00) Chetumal"),
        Entry(windows: "Eastern Standard Time", iana: "America/New_York", display: "(UTC-05:00) Eastern Time (US & Canada)"),
        Entry(windows: "Haiti Standard Time", iana: "America/Port-au-Prince", display: "(UTC-05:00) Haiti"),
        Entry(windows: "Cuba Standard Time", iana: "America/Havana", display: "(UTC-05:00) Havana"),
        Entry(windows: "US Eastern Standard Time", iana: "America/Indianapolis", display: "(UTC-05:00) Indiana (East)"),
        Entry(windows: "Turks And Caicos Standard Time", iana: "America/Grand_Turk", display: "(UTC-05:00) Turks and Caicos"),
        Entry(windows: "Paraguay Standard Time", iana: "America/Asuncion", display: "(UTC-04:00) Asuncion"),
        Entry(windows: "Atlantic Standard Time", iana: "America/Halifax", display: "(UTC-04:00) Atlantic Time (Canada)"),
        Entry(windows: "Venezuela Standard Time", iana: "America/Caracas", display: "(UTC-04:00) Caracas"),
        Entry(windows: "Central Brazilian Standard Time", iana: "America/Cuiaba", display: "(UTC-04:00) Cuiaba"),
        Entry(windows: "SA Western Standard Time", iana: "America/La_Paz", display: "(UTC-04:00) Georgetown, La Paz, Manaus, San Juan"),
        Entry(windows: "Pacific SA Standard Time", iana: "America/Santiago", display: "(UTC-04:00) Santiago"),
        Entry(windows: "Newfoundland Standard Time", iana: "America/St_Johns", display: "(UTC-03:30) Newfoundland"),
        Entry(windows: "Tocantins Standard Time", iana: "America/Araguaina", display: "(UTC-03:00) Araguaina"),
        Entry(windows: "E. South America Standard Time", iana: "America/Sao_Paulo", display: "(UTC-03:00) Brasilia"),
        Entry(windows: "SA Eastern Standard Time", iana: "America/Cayenne", display: "(UTC-03:00) Cayenne, Fortaleza"),
        Entry(windows: "Argentina Standard Time", iana: "America/Buenos_Aires", display: "(UTC-03:00) City of Buenos Aires"),
        Entry(windows: "Greenland Standard Time", iana: "America/Godthab", display: "(UTC-03:00) Greenland"),
        Entry(windows: "Montevideo Standard Time", iana: "America/Montevideo", display: "(UTC-03:00) Montevideo"),
        Entry(windows: "Magallanes Standard Time", iana: "America/Punta_Arenas", display: "(UTC-03:00) Punta Arenas"),
        Entry(windows: "Saint Pierre Standard Time", iana: "America/Miquelon", display: "(UTC-03:00) Saint Pierre and Miquelon"),
        Entry(windows: "Bahia Standard Time", iana: "America/Bahia", display: "(UTC-03:00) Salvador"),
        Entry(windows: "UTC-02", iana: "Etc/GMT+2", display: "(UTC-02:00) Coordinated Universal Time-02"),
        Entry(windows: "Azores Standard Time", iana: "Atlantic/Azores", display: "(UTC-01:00) Azores"),
        Entry(windows: "Cape Verde Standard Time", iana: "Atlantic/Cape_Verde", display: "(UTC-01:00) Cabo Verde Is."),
        Entry(windows: "UTC", iana: "Etc/UTC", display: "(UTC) Coordinated Universal Time"),
        Entry(windows: "GMT Standard Time", iana: "Europe/London", display: "(UTC+00:00) Dublin, Edinburgh, Lisbon, London"),
        Entry(windows: "Greenwich Standard Time", iana: "Atlantic/Reykjavik", display: "(UTC+00:00) Monrovia, Reykjavik"),
        Entry(windows: "Sao Tome Standard Time", iana: "Africa/Sao_Tome", display: "(UTC+00:00) Sao Tome"),
        Entry(windows: "Morocco Standard Time", iana: "Africa/Casablanca", display: "(UTC+01:00) Casablanca"),
        Entry(windows: "W. Europe Standard Time", iana: "Europe/Berlin", display: "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"),
        Entry(windows: "Central Europe Standard Time", iana: "Europe/Budapest", display: "(UTC+01:00) Belgrade, Bratislava, Budapest, Ljubljana, Prague"),
        Entry(windows: "Romance Standard Time", iana: "Europe/Paris", display: "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris"),
        Entry(windows: "Central European Standard Time", iana: "Europe/Warsaw", display: "(UTC+01:00) Sarajevo, Skopje, Warsaw, Zagreb"),
        Entry(windows: "W. Central Africa Standard Time", iana: "Africa/Lagos", display: "(UTC+01:00) West Central Africa"),
        Entry(windows: "Jordan Standard Time", iana: "Asia/Amman", display: "(UTC+02:00) Amman"),
        Entry(windows: "GTB Standard Time", iana: "Europe/Bucharest", display: "(UTC+02:00) Athens, Bucharest"),
        Entry(windows: "Middle East Standard Time", iana: "Asia/Beirut", display: "(UTC+02:00) Beirut"),
        Entry(windows: "Egypt Standard Time", iana: "Africa/Cairo", display: "(UTC+02:00) Cairo"),
        Entry(windows: "E. Europe Standard Time", iana: "Europe/Chisinau", display: "(UTC+02:00) Chisinau"),
        Entry(windows: "Syria Standard Time", iana: "Asia/Damascus", display: "(UTC+02:00) Damascus"),
        Entry(windows: "West Bank Standard Time", iana: "Asia/Hebron", display: "(UTC+02:00) Gaza, Hebron"),
        Entry(windows: "South Africa Standard Time", iana: "Africa/Johannesburg", display: "(UTC+02:00) Harare, Pretoria"),
        Entry(windows: "FLE Standard Time", iana: "Europe/Kiev", display: "(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius"),
        Entry(windows: "Israel Standard Time", iana: "Asia/Jerusalem", display: "(UTC+02:00) Jerusalem"),
        Entry(windows: "South Sudan Standard Time", iana: "Africa/Juba", display: "(UTC+02:00) Juba"),
        Entry(windows: "Kaliningrad Standard Time", iana: "Europe/Kaliningrad", display: "(UTC+02:00) Kaliningrad"),
        Entry(windows: "Sudan Standard Time", iana: "Africa/Khartoum", display: "(UTC+02:00) Khartoum"),
        Entry(windows: "Libya Standard Time", iana: "Africa/Tripoli", display: "(UTC+02:00) Tripoli"),
        Entry(windows: "Namibia Standard Time", iana: "Africa/Windhoek", display: "(UTC+02:00) Windhoek"),
        Entry(windows: "Arabic Standard Time", iana: "Asia/Baghdad", display: "(UTC+03:00) Baghdad"),
        Entry(windows: "Turkey Standard Time", iana: "Europe/Istanbul", display: "(UTC+03:00) Istanbul"),
        Entry(windows: "Arab Standard Time", iana: "Asia/Riyadh", display: "(UTC+03:00) Kuwait, Riyadh"),
        Entry(windows: "Belarus Standard Time", iana: "Europe/Minsk", display: "(UTC+03:00) Minsk"),
        Entry(windows: "Russian Standard Time", iana: "Europe/Moscow", display: "(UTC+03:00) Moscow, St. Petersburg"),
        Entry(windows: "E. Africa Standard Time", iana: "Africa/Nairobi", display: "(UTC+03:00) Nairobi"),
        Entry(windows: "Iran Standard Time", iana: "Asia/Tehran", display: "(UTC+03:30) Tehran"),
        Entry(windows: "Arabian Standard Time", iana: "Asia/Dubai", display: "(UTC+04:00) Abu Dhabi, Muscat"),
        Entry(windows: "Astrakhan Standard Time", iana: "Europe/Astrakhan", display: "(UTC+04:00) Astrakhan, Ulyanovsk"),
        Entry(windows: "Azerbaijan Standard Time", iana: "Asia/Baku", display: "(UTC+04:00) Baku"),
        Entry(windows: "Russia Time Zone 3", iana: "Europe/Samara", display: "(UTC+04:00) Izhevsk, Samara"),
        Entry(windows: "Mauritius Standard Time", iana: "Indian/Mauritius", display: "(UTC+04:00) Port Louis"),
        Entry(windows: "Saratov Standard Time", iana: "Europe/Saratov", display: "(UTC+04:00) Saratov"),
        Entry(windows: "Georgian Standard Time", iana: "Asia/Tbilisi", display: "(UTC+04:00) Tbilisi"),
        Entry(windows: "Volgograd Standard Time", iana: "Europe/Volgograd", display: "(UTC+04:00) Volgograd"),
        Entry(windows: "Caucasus Standard Time", iana: "Asia/Yerevan", display: "(UTC+04:00) Yerevan"),
        Entry(windows: "Afghanistan Standard Time", iana: "Asia/Kabul", display: "(UTC+04:30) Kabul"),
        Entry(windows: "West Asia Standard Time", iana: "Asia/Tashkent", display: "(UTC+05:00) Ashgabat, Tashkent"),
        Entry(windows: "Ekaterinburg Standard Time", iana: "Asia/Yekaterinburg", display: "(UTC+05:00) Ekaterinburg"),
        Entry(windows: "Pakistan Standard Time", iana: "Asia/Karachi", display: "(UTC+05:00) Islamabad, Karachi"),
        Entry(windows: "Qyzylorda Standard Time", iana: "Asia/Qyzylorda", display: "(UTC+05:00) Qyzylorda"),
        Entry(windows: "India Standard Time", iana: "Asia/Calcutta", display: "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi"),
        Entry(windows: "Sri Lanka Standard Time", iana: "Asia/Colombo", display: "(UTC+05:30) Sri Jayawardenepura"),
        Entry(windows: "Nepal Standard Time", iana: "Asia/Katmandu", display: "(UTC+05:45) Kathmandu"),
        Entry(windows: "Central Asia Standard Time", iana: "Asia/Bishkek", display: "(UTC+06:00) Astana"),
        Entry(windows: "Bangladesh Standard Time", iana: "Asia/Dhaka", display: "(UTC+06:00) Dhaka"),
        Entry(windows: "Omsk Standard Time", iana: "Asia/Omsk", display: "(UTC+06:00) Omsk"),
        Entry(windows: "Myanmar Standard Time", iana: "Asia/Rangoon", display: "(UTC+06:30) Yangon (Rangoon)"),
        Entry(windows: "SE Asia Standard Time", iana: "Asia/Bangkok", display: "(UTC+07:00) Bangkok, Hanoi, Jakarta"),
        Entry(windows: "Altai Standard Time", iana: "Asia/Barnaul", display: "(UTC+07:00) Barnaul, Gorno-Altaysk"),
        Entry(windows: "W. Mongolia Standard Time", iana: "Asia/Hovd", display: "(UTC+07:00) Hovd"),
        Entry(windows: "North Asia Standard Time", iana: "Asia/Krasnoyarsk", display: "(UTC+07:00) Krasnoyarsk"),
        Entry(windows: "N. Central Asia Standard Time", iana: "Asia/Novosibirsk", display: "(UTC+07:00) Novosibirsk"),
        Entry(windows: "Tomsk Standard Time", iana: "Asia/Tomsk", display: "(UTC+07:00) Tomsk"),
        Entry(windows: "China Standard Time", iana: "Asia/Shanghai", display: "(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi"),
        Entry(windows: "North Asia East Standard Time", iana: "Asia/Irkutsk", display: "(UTC+08:00) Irkutsk"),
        Entry(windows: "Singapore Standard Time", iana: "Asia/Singapore", display: "(UTC+08:00) Kuala Lumpur, Singapore"),
        Entry(windows: "W. Australia Standard Time", iana: "Australia/Perth", display: "(UTC+08:00) Perth"),
        Entry(windows: "Taipei Standard Time", iana: "Asia/Taipei", display: "(UTC+08:00) Taipei"),
        Entry(windows: "Ulaanbaatar Standard Time", iana: "Asia/Ulaanbaatar", display: "(UTC+08:00) Ulaanbaatar"),
        Entry(windows: "Aus Central W. Standard Time", iana: "Australia/Eucla", display: "(UTC+08:45) Eucla"),
        Entry(windows: "Transbaikal Standard Time", iana: "Asia/Chita", display: "(UTC+09:00) Chita"),
        Entry(windows: "Tokyo Standard Time", iana: "Asia/Tokyo", display: "(UTC+09:00) Osaka, Sapporo, Tokyo"),
        Entry(windows: "North Korea Standard Time", iana: "Asia/Pyongyang", display: "(UTC+09:00) Pyongyang"),
        Entry(windows: "Korea Standard Time", iana: "Asia/Seoul", display: "(UTC+09:00) Seoul"),
        Entry(windows: "Yakutsk Standard Time", iana: "Asia/Yakutsk", display: "(UTC+09:00) Yakutsk"),
        Entry(windows: "Cen. Australia Standard Time", iana: "Australia/Adelaide", display: "(UTC+09:30) Adelaide"),
        Entry(windows: "AUS Central Standard Time", iana: "Australia/Darwin", display: "(UTC+09:30) Darwin"),
        Entry(windows: "E. Australia Standard Time", iana: "Australia/Brisbane", display: "(UTC+10:00) Brisbane"),
        Entry(windows: "AUS Eastern Standard Time", iana: "Australia/Sydney", display: "(UTC+10:00) Canberra, Melbourne, Sydney"),
        Entry(windows: "West Pacific Standard Time", iana: "Pacific/Port_Moresby", display: "(UTC+10:00) Guam, Port Moresby"),
        Entry(windows: "Tasmania Standard Time", iana: "Australia/Hobart", display: "(UTC+10:00) Hobart"),
        Entry(windows: "Vladivostok Standard Time", iana: "Asia/Vladivostok", display: "(UTC+10:00) Vladivostok"),
        Entry(windows: "Lord Howe Standard Time", iana: "Australia/Lord_Howe", display: "(UTC+10:30) Lord Howe Island"),
        Entry(windows: "Bougainville Standard Time", iana: "Pacific/Bougainville", display: "(UTC+11:00) Bougainville Island"),
        Entry(windows: "Russia Time Zone 10", iana: "Asia/Srednekolymsk", display: "(UTC+11:00) Chokurdakh"),
        Entry(windows: "Magadan Standard Time", iana: "Asia/Magadan", display: "(UTC+11:00) Magadan"),
        Entry(windows: "Norfolk Standard Time", iana: "Pacific/Norfolk", display: "(UTC+11:00) Norfolk Island"),
        Entry(windows: "Sakhalin Standard Time", iana: "Asia/Sakhalin", display: "(UTC+11:00) Sakhalin"),
        Entry(windows: "Central Pacific Standard Time", iana: "Pacific/Guadalcanal", display: "(UTC+11:00) Solomon Is., New Caledonia"),
        Entry(windows: "Russia Time Zone 11", iana: "Asia/Kamchatka", display: "(UTC+12:00) Anadyr, Petropavlovsk-Kamchatsky"),
        Entry(windows: "New Zealand Standard Time", iana: "Pacific/Auckland", display: "(UTC+12:00) Auckland, Wellington"),
        Entry(windows: "UTC+12", iana: "Etc/GMT-12", display: "(UTC+12:00) Coordinated Universal Time+12"),
        Entry(windows: "Fiji Standard Time", iana: "Pacific/Fiji", display: "(UTC+12:00) Fiji"),
        Entry(windows: "Chatham Islands Standard Time", iana: "Pacific/Chatham", display: "(UTC+12:45) Chatham Islands"),
        Entry(windows: "UTC+13", iana: "Etc/GMT-13", display: "(UTC+13:00) Coordinated Universal Time+13"),
        Entry(windows: "Tonga Standard Time", iana: "Pacific/Tongatapu", display: "(UTC+13:00) Nuku'alofa"),
        Entry(windows: "Samoa Standard Time", iana: "Pacific/Apia", display: "(UTC+13:00) Samoa"),
        Entry(windows: "Line Islands Standard Time", iana: "Pacific/Kiritimati", display: "(UTC+14:00) Kiritimati Island"),
    ]

    /// Names older Windows versions and Exchange servers still write, no longer in CLDR's table.
    static let legacy: [String: String] = [
        "mexico standard time": "America/Mexico_City",
        "mexico standard time 2": "America/Chihuahua",
        "mid-atlantic standard time": "Etc/GMT+2",
        "kamchatka standard time": "Asia/Kamchatka",
        "armenian standard time": "Asia/Yerevan",
        "e. africa": "Africa/Nairobi",
        "china": "Asia/Shanghai",
    ]

    /// Lower-cased Windows name → IANA identifier.
    static let byWindowsName: [String: String] = {
        var map = legacy
        for e in entries { map[e.windows.lowercased()] = e.iana }
        return map
    }()

    /// Normalized display text (the part after "(UTC±hh:mm)") → IANA identifier; names shared by
    /// several zones are left out as ambiguous.
    static let byDisplayName: [String: String] = {
        var map: [String: String] = [:]
        var ambiguous = Set<String>()
        for e in entries {
            let key = normalizedDisplay(e.display)
            if map[key] != nil { ambiguous.insert(key) } else { map[key] = e.iana }
        }
        for key in ambiguous { map[key] = nil }
        return map
    }()

    /// "(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi" and "(GMT+08.00) Beijing, Chongqing…" → "beijing,chongqing,hongkong,urumqi".
    static func normalizedDisplay(_ text: String) -> String {
        var s = Substring(text.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        if s.hasPrefix("("), let close = s.firstIndex(of: ")") {
            s = s[s.index(after: close)...]
        }
        return String(s.lowercased().filter { !$0.isWhitespace })
    }
}
