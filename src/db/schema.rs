//! The tables as diesel sees them, identical on both backends. Kept by hand to match
//! `migrations/*/`: ids are BigInt everywhere (SQLite's INTEGER is 64-bit).

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        full_name -> Text,
        role -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        tat_us -> BigInt,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    security_events (id) {
        id -> BigInt,
        kind -> Text,
        user_id -> Nullable<BigInt>,
        email -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        detail -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    keyring (name) {
        name -> Text,
        key_id -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mfa_factors (user_id) {
        user_id -> BigInt,
        secret_sealed -> Text,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mfa_recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_challenges (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        enrolment -> Bool,
        failed_attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    service_accounts (id) {
        id -> BigInt,
        name -> Text,
        token_hash -> Text,
        webhook_url -> Nullable<Text>,
        webhook_secret -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    skills (name) {
        name -> Text,
        requires_certification -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agents (user_id) {
        user_id -> BigInt,
        timezone -> Text,
        latitude -> Double,
        longitude -> Double,
        country -> Nullable<Text>,
        region -> Nullable<Text>,
        recruit_source -> Text,
        motivation -> Text,
        max_concurrent -> Integer,
        rating_sum -> BigInt,
        rating_count -> BigInt,
        applied_at -> Timestamp,
        verified_at -> Nullable<Timestamp>,
        reviewed_at -> Nullable<Timestamp>,
        presence -> Text,
        presence_reason -> Nullable<Text>,
        last_heartbeat_at -> Nullable<Timestamp>,
        active_conversations -> Integer,
        pending_offers -> Integer,
        missed_offers_in_row -> Integer,
        last_work_at -> Nullable<Timestamp>,
        profile_version -> BigInt,
    }
}

diesel::table! {
    escalations (id) {
        id -> BigInt,
        service_account_id -> BigInt,
        external_id -> Text,
        idempotency_key -> Nullable<Text>,
        language -> Text,
        market -> Text,
        required_skills -> Text,
        priority -> Text,
        priority_rank -> Integer,
        sensitive -> Bool,
        reason -> Text,
        summary -> Text,
        transcript -> Text,
        customer_lat -> Nullable<Double>,
        customer_lon -> Nullable<Double>,
        state -> Text,
        assigned_agent_id -> Nullable<BigInt>,
        widened_steps -> Integer,
        eta_at_intake_s -> Integer,
        eta_seconds -> Integer,
        created_at -> Timestamp,
        assigned_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        disposition -> Nullable<Text>,
        first_reply_at -> Nullable<Timestamp>,
        redactions -> Integer,
        customer_ref_hash -> Nullable<Text>,
        erased_at -> Nullable<Timestamp>,
        handed_back -> Bool,
        hand_back_summary -> Nullable<Text>,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        escalation_id -> BigInt,
        sender -> Text,
        agent_id -> Nullable<BigInt>,
        text -> Text,
        created_at -> Timestamp,
        staff_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        service_account_id -> BigInt,
        event -> Text,
        payload -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        escalation_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    ratings (escalation_id) {
        escalation_id -> BigInt,
        agent_id -> BigInt,
        score -> Integer,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    offers (id) {
        id -> BigInt,
        escalation_id -> BigInt,
        agent_id -> BigInt,
        state -> Text,
        score -> Double,
        explanation -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        decline_reason -> Nullable<Text>,
    }
}

diesel::table! {
    escalation_events (id) {
        id -> BigInt,
        escalation_id -> BigInt,
        event -> Text,
        detail -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    availability_slots (id) {
        id -> BigInt,
        agent_id -> BigInt,
        weekday -> Integer,
        start_minute -> Integer,
        end_minute -> Integer,
    }
}

diesel::table! {
    availability_exceptions (id) {
        id -> BigInt,
        agent_id -> BigInt,
        day -> Date,
        available -> Bool,
        start_minute -> Nullable<Integer>,
        end_minute -> Nullable<Integer>,
    }
}

diesel::table! {
    presence_events (id) {
        id -> BigInt,
        agent_id -> BigInt,
        presence -> Text,
        reason -> Text,
        scheduled -> Bool,
        at -> Timestamp,
    }
}

diesel::table! {
    pay_bands (skill, currency) {
        skill -> Text,
        currency -> Text,
        min_hourly_minor -> BigInt,
        max_hourly_minor -> BigInt,
        min_per_conversation_minor -> BigInt,
        max_per_conversation_minor -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agent_languages (agent_id, code) {
        agent_id -> BigInt,
        code -> Text,
        level -> Text,
    }
}

diesel::table! {
    agent_skills (agent_id, skill) {
        agent_id -> BigInt,
        skill -> Text,
        proficiency -> Integer,
    }
}

diesel::table! {
    certifications (agent_id, skill) {
        agent_id -> BigInt,
        skill -> Text,
        granted_by -> Nullable<BigInt>,
        granted_at -> Timestamp,
    }
}

diesel::table! {
    agent_rates (id) {
        id -> BigInt,
        agent_id -> BigInt,
        hourly_rate_minor -> BigInt,
        per_conversation_minor -> BigInt,
        currency -> Text,
        effective_from -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_verifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        purpose -> Text,
    }
}

diesel::table! {
    outbox_emails (id) {
        id -> BigInt,
        recipient -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        subject_kind -> Text,
        subject_id -> Nullable<BigInt>,
        action -> Text,
        detail -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    regions (name) {
        name -> Text,
        countries -> Nullable<Text>,
        geometry -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    market_rules (market, region) {
        market -> Text,
        region -> Text,
    }
}

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agent_events (id) {
        id -> BigInt,
        agent_id -> BigInt,
        kind -> Text,
        data -> Text,
        at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(security_events -> users (user_id));
diesel::joinable!(mfa_factors -> users (user_id));
diesel::joinable!(mfa_recovery_codes -> users (user_id));
diesel::joinable!(login_challenges -> users (user_id));
diesel::joinable!(agents -> users (user_id));
diesel::joinable!(agent_languages -> agents (agent_id));
diesel::joinable!(agent_skills -> agents (agent_id));
diesel::joinable!(certifications -> agents (agent_id));
diesel::joinable!(agent_rates -> agents (agent_id));
diesel::joinable!(audit_log -> users (actor_id));
diesel::table! {
    coverage_forecasts (id) {
        id -> BigInt,
        computed_at -> Timestamp,
        inputs_version -> Text,
        starts_at -> Timestamp,
        language -> Text,
        market -> Text,
        required_skills -> Text,
        method -> Text,
        history_intervals -> Integer,
        handle_s -> Double,
        patience_s -> Double,
        accept_s -> Double,
        arrivals -> Text,
    }
}

diesel::table! {
    boosts (id) {
        id -> BigInt,
        kind -> Text,
        language -> Text,
        market -> Text,
        required_skills -> Text,
        multiplier_pct -> Integer,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        currency -> Text,
        budget_minor -> BigInt,
        reason -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    coverage_slots (id) {
        id -> BigInt,
        language -> Text,
        market -> Text,
        required_skills -> Text,
        starts_at -> Timestamp,
        places -> Integer,
        booked -> Integer,
        published_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    slot_bookings (id) {
        id -> BigInt,
        slot_id -> BigInt,
        agent_id -> BigInt,
        starts_at -> Timestamp,
        state -> Text,
        booked_at -> Timestamp,
        settled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    boost_alerts (agent_id) {
        agent_id -> BigInt,
        dashboard -> Bool,
        email -> Bool,
        last_emailed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(slot_bookings -> coverage_slots (slot_id));

diesel::table! {
    escalation_contracts (escalation_id) {
        escalation_id -> BigInt,
        eta_low_s -> Integer,
        eta_high_s -> Integer,
        eta_at_intake_low_s -> Integer,
        eta_at_intake_high_s -> Integer,
        intent -> Nullable<Text>,
        sentiment -> Nullable<Text>,
        bot_attempts -> Text,
        collected -> Text,
        callback -> Bool,
        max_live_wait_s -> Nullable<Integer>,
        customer_released_at -> Nullable<Timestamp>,
        preferred_agent_id -> Nullable<BigInt>,
        told_eta_s -> Integer,
        told_position -> Integer,
    }
}

diesel::joinable!(escalation_contracts -> escalations (escalation_id));
diesel::joinable!(offers -> escalations (escalation_id));
diesel::joinable!(escalation_events -> escalations (escalation_id));
diesel::table! {
    assignments (id) {
        id -> BigInt,
        escalation_id -> BigInt,
        agent_id -> BigInt,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        wrap_up_notes -> Nullable<Text>,
    }
}

diesel::table! {
    leases (name) {
        name -> Text,
        holder -> Text,
        epoch -> BigInt,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    health_probes (id) {
        id -> Integer,
        beats -> BigInt,
        probed_at -> Timestamp,
    }
}

diesel::table! {
    repeat_contacts (escalation_id) {
        escalation_id -> BigInt,
        repeat_escalation_id -> BigInt,
        marked_at -> Timestamp,
    }
}

diesel::table! {
    take_overs (escalation_id) {
        escalation_id -> BigInt,
        supervisor_id -> BigInt,
        agent_id -> BigInt,
        taken_at -> Timestamp,
    }
}

diesel::table! {
    scorecards (id) {
        id -> BigInt,
        name -> Text,
        criteria -> Text,
        active -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    review_samples (escalation_id) {
        escalation_id -> BigInt,
        agent_id -> BigInt,
        reason -> Text,
        sampled_at -> Timestamp,
    }
}

diesel::table! {
    quality_reviews (id) {
        id -> BigInt,
        escalation_id -> BigInt,
        agent_id -> BigInt,
        scorecard_id -> BigInt,
        reviewer_id -> Nullable<BigInt>,
        scores -> Text,
        score -> Double,
        comment -> Text,
        created_at -> Timestamp,
        disputed_at -> Nullable<Timestamp>,
        dispute_reason -> Nullable<Text>,
        dispute_outcome -> Nullable<Text>,
        dispute_answer -> Nullable<Text>,
        dispute_answered_by -> Nullable<BigInt>,
        dispute_answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    agent_decisions (id) {
        id -> BigInt,
        agent_id -> BigInt,
        kind -> Text,
        escalation_id -> Nullable<BigInt>,
        inputs -> Text,
        explanation -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    decision_reviews (id) {
        id -> BigInt,
        agent_id -> BigInt,
        decision_ref -> Text,
        reason -> Text,
        requested_at -> Timestamp,
        due_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        answered_by -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        answer -> Nullable<Text>,
    }
}

diesel::table! {
    help_requests (id) {
        id -> BigInt,
        agent_id -> BigInt,
        escalation_id -> Nullable<BigInt>,
        note -> Text,
        raised_at -> Timestamp,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    agent_tiers (agent_id) {
        agent_id -> BigInt,
        tier -> Text,
        score -> Double,
        figures -> Text,
        since -> Timestamp,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    agent_skill_stats (agent_id, skill) {
        agent_id -> BigInt,
        skill -> Text,
        conversations -> Integer,
        handle_s -> Double,
        quality -> Double,
        computed_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    escalation_contracts,
    rate_limits,
    refresh_tokens,
    security_events,
    keyring,
    mfa_factors,
    mfa_recovery_codes,
    login_challenges,
    service_accounts,
    skills,
    agents,
    agent_languages,
    agent_skills,
    certifications,
    agent_rates,
    email_verifications,
    outbox_emails,
    audit_log,
    regions,
    market_rules,
    app_settings,
    availability_slots,
    availability_exceptions,
    presence_events,
    pay_bands,
    escalations,
    offers,
    escalation_events,
    messages,
    webhook_deliveries,
    ratings,
    agent_events,
    assignments,
    leases,
    health_probes,
    coverage_forecasts,
    boosts,
    coverage_slots,
    slot_bookings,
    boost_alerts,
    repeat_contacts,
    take_overs,
    scorecards,
    review_samples,
    quality_reviews,
    agent_decisions,
    decision_reviews,
    help_requests,
    agent_tiers,
    agent_skill_stats,
);
